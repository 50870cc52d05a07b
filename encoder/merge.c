/*
 * merge.c: Go's profile.Merge on decoded profiles (merge.h). Each input is replayed into
 * a builder (profile.c), which already deduplicates functions and locations and sums
 * samples with equal locations and labels; this file maps each input's ids onto the
 * builder's and keys mappings as Go does. Like Go, a merge that leaves all-zero samples
 * behind is merged once more on its own, which drops them and everything only they used.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "merge.h"
#include "profile.h"
#include "profile_impl.h"

/* Go's mappingKey: size rounded up to 4 KiB, offset, and the build id or else the file. */
struct mkey {
	uint64_t size, offset;
	const char *id_or_file;
	uint64_t start;		/* the merged mapping's start, for relocating addresses */
	uint64_t id;		/* in the merged profile */
};

struct merger {
	struct profile *q;
	struct mkey *maps;
	size_t n_maps;
	/* Per input, by array position: the merged id (0: not yet mapped). */
	uint64_t *map_ids, *fn_ids, *loc_ids;
	int64_t *map_shift;	/* merged start - input start, per input mapping */
};

long long merge_scale_value(long long v, double ratio)
{
	double d = (double)v * ratio;

	if (isnan(d))
		return 0;
	/* 2^63 is exact in a double; C leaves the conversion of anything beyond undefined. */
	if (d >= 9223372036854775808.0)
		return INT64_MAX;
	if (d < -9223372036854775808.0)
		return INT64_MIN;
	return (long long)d;
}

static bool same_type(const struct dvaluetype *a, const struct dvaluetype *b)
{
	return !strcmp(a->type, b->type) && !strcmp(a->unit, b->unit);
}

static int compatible(const struct dprofile *a, const struct dprofile *b)
{
	if (!same_type(&a->period_type, &b->period_type) || a->n_sample_types != b->n_sample_types)
		return -EINVAL;
	for (size_t i = 0; i < a->n_sample_types; i++)
		if (!same_type(&a->sample_types[i], &b->sample_types[i]))
			return -EINVAL;
	return 0;
}

static bool seen_comment(const struct dprofile *const *in, size_t upto, size_t ci, const char *c)
{
	for (size_t i = 0; i <= upto; i++)
		for (size_t j = 0; j < (i == upto ? ci : in[i]->n_comments); j++)
			if (!strcmp(in[i]->comments[j], c))
				return true;
	return false;
}

/* Go's combineHeaders. */
static int headers(struct profile *q, const struct dprofile *const *in, size_t n)
{
	int64_t time = 0, duration = 0, period = 0;
	const char *dflt = "";
	int rc = 0;

	for (size_t i = 1; i < n; i++)
		if (compatible(in[0], in[i]) < 0)
			return -EINVAL;
	for (size_t i = 0; i < in[0]->n_sample_types; i++)
		rc |= profile_add_sample_type(q, in[0]->sample_types[i].type,
					      in[0]->sample_types[i].unit);
	for (size_t i = 0; i < n; i++) {
		if (time == 0 || in[i]->time_nanos < time)
			time = in[i]->time_nanos;
		duration += in[i]->duration_nanos;
		if (period == 0 || period < in[i]->period)
			period = in[i]->period;
		for (size_t c = 0; c < in[i]->n_comments; c++)
			if (!seen_comment(in, i, c, in[i]->comments[c]))
				rc |= profile_add_comment(q, in[i]->comments[c]);
		if (!*dflt)
			dflt = in[i]->default_sample_type;
	}
	if (in[0]->period_type.type[0] || in[0]->period_type.unit[0] || period)
		rc |= profile_set_period(q, in[0]->period_type.type, in[0]->period_type.unit, period);
	profile_set_time(q, time, duration);
	/* Go keeps any name here; the builder only takes one of the sample types. */
	if (*dflt)
		profile_set_default_sample_type(q, dflt);
	if (in[0]->drop_frames[0])
		rc |= profile_set_drop_frames(q, in[0]->drop_frames);
	if (in[0]->keep_frames[0])
		rc |= profile_set_keep_frames(q, in[0]->keep_frames);
	return rc ? -ENOMEM : 0;
}

static struct mkey key_of(const struct dmapping *m)
{
	struct mkey k;
	uint64_t size = m->memory_limit - m->memory_start;

	size = size + 0x1000 - 1;
	k.size = size - size % 0x1000;
	k.offset = m->file_offset;
	k.id_or_file = m->build_id[0] ? m->build_id : m->filename;
	k.start = m->memory_start;
	k.id = 0;
	return k;
}

/* Go's mapMapping: the merged id of input mapping m (at position pos), added if new. */
static uint64_t map_mapping(struct merger *mg, const struct dmapping *m, size_t pos)
{
	struct mkey k = key_of(m);
	struct profile_mapping pm;
	struct mkey *grown;

	if (mg->map_ids[pos])
		return mg->map_ids[pos];
	for (size_t i = 0; i < mg->n_maps; i++) {
		struct mkey *o = &mg->maps[i];

		if (o->size == k.size && o->offset == k.offset && !strcmp(o->id_or_file, k.id_or_file)) {
			mg->map_shift[pos] = (int64_t)(o->start - m->memory_start);
			return mg->map_ids[pos] = o->id;
		}
	}
	memset(&pm, 0, sizeof(pm));
	pm.memory_start = m->memory_start;
	pm.memory_limit = m->memory_limit;
	pm.file_offset = m->file_offset;
	pm.filename = m->filename;
	pm.build_id = m->build_id;
	pm.has_functions = m->has_functions;
	pm.has_filenames = m->has_filenames;
	pm.has_line_numbers = m->has_line_numbers;
	pm.has_inline_frames = m->has_inline_frames;
	grown = realloc(mg->maps, (mg->n_maps + 1) * sizeof(*grown));
	if (!grown)
		return 0;
	mg->maps = grown;
	k.id = profile_add_mapping(mg->q, &pm);
	if (!k.id)
		return 0;
	mg->maps[mg->n_maps++] = k;
	mg->map_shift[pos] = 0;
	return mg->map_ids[pos] = k.id;
}

static uint64_t map_function(struct merger *mg, const struct dprofile *d, uint64_t id)
{
	const struct dfunction *f = decode_function(d, id);
	size_t pos;

	if (!f)
		return 0;
	pos = (size_t)(f - d->functions);
	if (!mg->fn_ids[pos])
		mg->fn_ids[pos] = profile_add_function(mg->q, f->name, f->system_name, f->filename,
						       f->start_line);
	return mg->fn_ids[pos];
}

/* Go's mapLocation: the merged id of input location id. 0 when out of memory. */
static uint64_t map_location(struct merger *mg, const struct dprofile *d, uint64_t id)
{
	const struct dlocation *l = decode_location(d, id);
	const struct dmapping *m;
	struct profile_line *lines;
	uint64_t mid = 0, addr;
	size_t pos;

	if (!l)
		return 0;
	pos = (size_t)(l - d->locations);
	if (mg->loc_ids[pos])
		return mg->loc_ids[pos];
	addr = l->address;
	m = l->mapping_id ? decode_mapping(d, l->mapping_id) : NULL;
	if (m) {
		size_t mpos = (size_t)(m - d->mappings);

		mid = map_mapping(mg, m, mpos);
		if (!mid)
			return 0;
		addr += (uint64_t)mg->map_shift[mpos];
	}
	lines = calloc(l->n_lines ? l->n_lines : 1, sizeof(*lines));
	if (!lines)
		return 0;
	for (size_t i = 0; i < l->n_lines; i++) {
		lines[i].function_id = map_function(mg, d, l->lines[i].function_id);
		lines[i].line = l->lines[i].line;
		lines[i].column = l->lines[i].column;
		if (!lines[i].function_id) {
			free(lines);
			return 0;
		}
	}
	mg->loc_ids[pos] = profile_add_location(mg->q, mid, addr, lines, l->n_lines);
	free(lines);
	return mg->loc_ids[pos];
}

static bool all_zero(const int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

/* Go's mapSample, after the input's values were scaled. */
static int map_sample(struct merger *mg, const struct dprofile *d, const struct dsample *s,
		      const int64_t *values)
{
	uint64_t *ids = calloc(s->n_locations ? s->n_locations : 1, sizeof(*ids));
	struct profile_label *lb = calloc(s->n_labels ? s->n_labels : 1, sizeof(*lb));
	int rc = -ENOMEM;

	if (!ids || !lb)
		goto out;
	for (size_t i = 0; i < s->n_locations; i++) {
		ids[i] = map_location(mg, d, s->location_ids[i]);
		if (!ids[i])
			goto out;
	}
	for (size_t i = 0; i < s->n_labels; i++) {
		lb[i].key = s->labels[i].key;
		lb[i].str = s->labels[i].str;
		lb[i].num = s->labels[i].num;
		lb[i].num_unit = s->labels[i].num_unit[0] ? s->labels[i].num_unit : NULL;
	}
	rc = profile_add_sample(mg->q, ids, s->n_locations, values, lb, s->n_labels);
out:
	free(ids);
	free(lb);
	return rc;
}

/* Replays one input into the merger. */
static int add_input(struct merger *mg, const struct dprofile *d, double scale, bool first)
{
	size_t nt = d->n_sample_types;
	int64_t *v = calloc(nt ? nt : 1, sizeof(*v));
	int rc = -ENOMEM;

	mg->map_ids = calloc(d->n_mappings + 1, sizeof(*mg->map_ids));
	mg->map_shift = calloc(d->n_mappings + 1, sizeof(*mg->map_shift));
	mg->fn_ids = calloc(d->n_functions + 1, sizeof(*mg->fn_ids));
	mg->loc_ids = calloc(d->n_locations + 1, sizeof(*mg->loc_ids));
	if (!v || !mg->map_ids || !mg->map_shift || !mg->fn_ids || !mg->loc_ids)
		goto out;
	/* The first mapping stands for the main binary: it must stay first. */
	if (first && d->n_mappings && !map_mapping(mg, &d->mappings[0], 0))
		goto out;
	for (size_t i = 0; i < d->n_samples; i++) {
		const struct dsample *s = &d->samples[i];

		for (size_t j = 0; j < nt; j++)
			v[j] = scale == 1 ? s->values[j] : merge_scale_value(s->values[j], scale);
		if (all_zero(v, nt) || !s->n_locations)
			continue;
		rc = map_sample(mg, d, s, v);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	free(v);
	free(mg->map_ids);
	free(mg->map_shift);
	free(mg->fn_ids);
	free(mg->loc_ids);
	mg->map_ids = mg->fn_ids = mg->loc_ids = NULL;
	mg->map_shift = NULL;
	return rc;
}

/* One merge pass; *zeros says whether all-zero samples were left behind. */
static int merge_pass(const struct dprofile *const *in, const double *scale, size_t n,
		      struct profile **out, bool *zeros)
{
	struct merger mg = { 0 };
	size_t nt;
	int rc;

	*out = NULL;
	mg.q = profile_new();
	if (!mg.q)
		return -ENOMEM;
	rc = headers(mg.q, in, n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_input(&mg, in[i], scale ? scale[i] : 1, mg.n_maps == 0);
	free(mg.maps);
	if (rc < 0) {
		profile_free(mg.q);
		return rc;
	}
	nt = mg.q->n_sample_types;
	*zeros = false;
	for (size_t i = 0; i < mg.q->n_samples; i++)
		*zeros |= all_zero(&mg.q->sample_values[i * nt], nt);
	*out = mg.q;
	return 0;
}

int merge_profiles(const struct dprofile *const *in, const double *scale, size_t n,
		   struct profile **out)
{
	struct profile *q;
	struct dprofile *d = NULL;
	uint8_t *buf = NULL;
	size_t len;
	bool zeros;
	int rc;

	*out = NULL;
	if (!n)
		return -EINVAL;
	rc = merge_pass(in, scale, n, &q, &zeros);
	if (rc < 0 || !zeros) {
		*out = q;
		return rc;
	}
	/* As Go does: merge the result on its own, which drops the zeros and what they used. */
	rc = profile_serialize(q, &buf, &len);
	profile_free(q);
	if (rc == 0)
		rc = decode_profile(buf, len, &d, NULL, 0) < 0 ? -ENOMEM : 0;
	free(buf);
	if (rc == 0) {
		const struct dprofile *one[1] = { d };

		rc = merge_pass(one, NULL, 1, out, &zeros);
	}
	decode_free(d);
	return rc;
}
