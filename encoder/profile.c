/*
 * profile.c: the profile builder (interned strings, mappings, deduplicated functions and
 * locations, merged samples) and its protobuf writer through protobuf-c.
 * Layout and invariants of struct profile are in profile_impl.h; gzip is gz.c's.
 * Every lookup goes through a hash (htab.c), so building is linear in the input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "gz.h"
#include "profile.pb-c.h"
#include "profile_impl.h"

/*
 * Returns arr grown to hold at least need elements of elsize bytes (doubling), or NULL
 * when out of memory, leaving arr and *cap untouched.
 */
static void *grow(void *arr, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap = *cap ? *cap : 8;
	void *n;

	if (need <= *cap)
		return arr;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return NULL;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elsize)
		return NULL;
	n = realloc(arr, ncap * elsize);
	if (!n)
		return NULL;
	*cap = ncap;
	return n;
}

/* --- strings ------------------------------------------------------------------------ */

struct str_key {
	const struct profile *p;
	const char *s;
	size_t len;
};

static bool str_eq(const void *ctx, uint32_t idx)
{
	const struct str_key *k = ctx;
	const char *t = k->p->strs[idx];

	return strncmp(t, k->s, k->len) == 0 && t[k->len] == '\0';
}

/* The index of s in the string table, adding it if new; NULL and "" are 0. -1: no memory. */
static int64_t profile_intern(struct profile *p, const char *s)
{
	struct str_key k = { p, s, 0 };
	uint64_t hash;
	uint32_t idx;
	char **strs, *copy;

	if (!s || !*s)
		return 0;
	k.len = strlen(s);
	hash = htab_hash_bytes(0, s, k.len);
	idx = htab_find(&p->str_index, hash, str_eq, &k);
	if (idx != HTAB_NONE)
		return idx;
	strs = grow(p->strs, &p->cap_strs, p->n_strs + 1, sizeof(*strs));
	if (!strs)
		return -1;
	p->strs = strs;
	copy = malloc(k.len + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, k.len + 1);
	if (htab_insert(&p->str_index, hash, p->n_strs)) {
		free(copy);
		return -1;
	}
	p->strs[p->n_strs] = copy;
	return p->n_strs++;
}

/* --- the profile and its header ------------------------------------------------------ */

struct profile *profile_new(void)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->strs = malloc(8 * sizeof(*p->strs));
	if (!p->strs)
		goto out_free;
	p->cap_strs = 8;
	p->strs[0] = calloc(1, 1);
	if (!p->strs[0])
		goto out_strs;
	p->n_strs = 1;
	return p;

out_strs:
	free(p->strs);
out_free:
	free(p);
	return NULL;
}

void profile_free(struct profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_strs; i++)
		free(p->strs[i]);
	free(p->strs);
	htab_free(&p->str_index);
	free(p->sample_types);
	free(p->comments);
	free(p->mappings);
	free(p->functions);
	htab_free(&p->func_index);
	free(p->locations);
	free(p->lines);
	htab_free(&p->loc_index);
	free(p->samples);
	free(p->sample_locs);
	free(p->sample_values);
	free(p->labels);
	htab_free(&p->sample_index);
	free(p->scratch);
	free(p);
}

int profile_add_sample_type(struct profile *p, const char *type, const char *unit)
{
	struct profile_vt *vt;
	int64_t t, u;

	/* Samples already hold one value per type: a new type would misalign them. */
	if (p->n_samples)
		return -EINVAL;
	t = profile_intern(p, type);
	u = profile_intern(p, unit);
	if (t < 0 || u < 0)
		return -ENOMEM;
	vt = grow(p->sample_types, &p->cap_sample_types, p->n_sample_types + 1, sizeof(*vt));
	if (!vt)
		return -ENOMEM;
	p->sample_types = vt;
	vt[p->n_sample_types].type_str = t;
	vt[p->n_sample_types].unit_str = u;
	p->n_sample_types++;
	return 0;
}

size_t profile_n_sample_types(const struct profile *p)
{
	return p->n_sample_types;
}

int profile_set_period(struct profile *p, const char *type, const char *unit, int64_t period)
{
	int64_t t = profile_intern(p, type), u = profile_intern(p, unit);

	if (t < 0 || u < 0)
		return -ENOMEM;
	p->period_type.type_str = t;
	p->period_type.unit_str = u;
	p->has_period_type = true;
	p->period = period;
	return 0;
}

int profile_set_default_sample_type(struct profile *p, const char *type)
{
	size_t i;

	if (!type)
		return -EINVAL;
	for (i = 0; i < p->n_sample_types; i++) {
		if (strcmp(profile_str(p, p->sample_types[i].type_str), type) == 0) {
			p->default_sample_type_str = p->sample_types[i].type_str;
			return 0;
		}
	}
	return -EINVAL;
}

void profile_set_time(struct profile *p, int64_t time_nanos, int64_t duration_nanos)
{
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

int profile_add_comment(struct profile *p, const char *text)
{
	int64_t *c, s = profile_intern(p, text);

	if (s < 0)
		return -ENOMEM;
	c = grow(p->comments, &p->cap_comments, p->n_comments + 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	p->comments = c;
	c[p->n_comments++] = s;
	return 0;
}

/* Sets *field to the index of s: 0 or -ENOMEM. */
static int profile_set_str(struct profile *p, int64_t *field, const char *s)
{
	int64_t i = profile_intern(p, s);

	if (i < 0)
		return -ENOMEM;
	*field = i;
	return 0;
}

int profile_set_drop_frames(struct profile *p, const char *regex)
{
	return profile_set_str(p, &p->drop_frames_str, regex);
}

int profile_set_keep_frames(struct profile *p, const char *regex)
{
	return profile_set_str(p, &p->keep_frames_str, regex);
}

int profile_set_doc_url(struct profile *p, const char *url)
{
	return profile_set_str(p, &p->doc_url_str, url);
}

/* --- mappings, functions, locations -------------------------------------------------- */

uint64_t profile_add_mapping(struct profile *p, const struct profile_mapping *m)
{
	struct profile_map *maps, *pm;
	int64_t file, build;

	if (!m)
		return 0;
	file = profile_intern(p, m->filename);
	build = profile_intern(p, m->build_id);
	if (file < 0 || build < 0)
		return 0;
	maps = grow(p->mappings, &p->cap_mappings, p->n_mappings + 1, sizeof(*maps));
	if (!maps)
		return 0;
	p->mappings = maps;
	pm = &maps[p->n_mappings];
	pm->memory_start = m->memory_start;
	pm->memory_limit = m->memory_limit;
	pm->file_offset = m->file_offset;
	pm->filename_str = file;
	pm->build_id_str = build;
	pm->has_functions = m->has_functions;
	pm->has_filenames = m->has_filenames;
	pm->has_line_numbers = m->has_line_numbers;
	pm->has_inline_frames = m->has_inline_frames;
	return ++p->n_mappings;
}

struct func_key {
	const struct profile *p;
	struct profile_func f;
};

static bool func_eq(const void *ctx, uint32_t idx)
{
	const struct func_key *k = ctx;
	const struct profile_func *f = &k->p->functions[idx];

	return f->name_str == k->f.name_str && f->system_name_str == k->f.system_name_str &&
	       f->filename_str == k->f.filename_str && f->start_line == k->f.start_line;
}

uint64_t profile_add_function(struct profile *p, const char *name, const char *system_name,
			      const char *filename, int64_t start_line)
{
	struct func_key k = { .p = p };
	struct profile_func *fns;
	uint64_t hash;
	uint32_t idx;

	k.f.name_str = profile_intern(p, name);
	k.f.system_name_str = profile_intern(p, system_name);
	k.f.filename_str = profile_intern(p, filename);
	k.f.start_line = start_line;
	if (k.f.name_str < 0 || k.f.system_name_str < 0 || k.f.filename_str < 0)
		return 0;
	hash = htab_hash_u64(htab_hash_u64(htab_hash_u64(htab_hash_u64(0,
		k.f.name_str), k.f.system_name_str), k.f.filename_str), start_line);
	idx = htab_find(&p->func_index, hash, func_eq, &k);
	if (idx != HTAB_NONE)
		return (uint64_t)idx + 1;
	fns = grow(p->functions, &p->cap_functions, p->n_functions + 1, sizeof(*fns));
	if (!fns)
		return 0;
	p->functions = fns;
	if (htab_insert(&p->func_index, hash, p->n_functions))
		return 0;
	fns[p->n_functions] = k.f;
	return ++p->n_functions;
}

struct loc_key {
	const struct profile *p;
	uint64_t mapping_id, address;
	const struct profile_line *lines;
	size_t n_lines;
};

static bool line_eq(const struct profile_line *a, const struct profile_line *b)
{
	return a->function_id == b->function_id && a->line == b->line &&
	       a->column == b->column;
}

static bool loc_eq(const void *ctx, uint32_t idx)
{
	const struct loc_key *k = ctx;
	const struct profile_loc *l = &k->p->locations[idx];
	size_t i;

	if (l->mapping_id != k->mapping_id || l->address != k->address)
		return false;
	if (k->address)
		return true;
	if (l->n_lines != k->n_lines)
		return false;
	for (i = 0; i < k->n_lines; i++) {
		if (!line_eq(&k->p->lines[l->line_off + i], &k->lines[i]))
			return false;
	}
	return true;
}

static uint64_t loc_hash(const struct loc_key *k)
{
	uint64_t h = htab_hash_u64(htab_hash_u64(1, k->mapping_id), k->address);
	size_t i;

	if (k->address)
		return h;
	h = htab_hash_u64(h, k->n_lines);
	for (i = 0; i < k->n_lines; i++) {
		h = htab_hash_u64(h, k->lines[i].function_id);
		h = htab_hash_u64(h, (uint64_t)k->lines[i].line);
		h = htab_hash_u64(h, (uint64_t)k->lines[i].column);
	}
	return h;
}

uint64_t profile_add_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			      const struct profile_line *lines, size_t n_lines)
{
	struct loc_key k = { p, mapping_id, address, lines, n_lines };
	struct profile_loc *locs;
	struct profile_line *pl;
	uint64_t hash;
	uint32_t idx;
	size_t i;

	if (mapping_id > p->n_mappings || (n_lines && !lines))
		return 0;
	for (i = 0; i < n_lines; i++) {
		if (lines[i].function_id == 0 || lines[i].function_id > p->n_functions)
			return 0;
	}
	hash = loc_hash(&k);
	idx = htab_find(&p->loc_index, hash, loc_eq, &k);
	if (idx != HTAB_NONE)
		return (uint64_t)idx + 1;
	locs = grow(p->locations, &p->cap_locations, p->n_locations + 1, sizeof(*locs));
	if (!locs)
		return 0;
	p->locations = locs;
	if (n_lines) {
		if (n_lines > SIZE_MAX - p->n_lines)
			return 0;
		pl = grow(p->lines, &p->cap_lines, p->n_lines + n_lines, sizeof(*pl));
		if (!pl)
			return 0;
		p->lines = pl;
	}
	if (htab_insert(&p->loc_index, hash, p->n_locations))
		return 0;
	if (n_lines)
		memcpy(&p->lines[p->n_lines], lines, n_lines * sizeof(*lines));
	locs[p->n_locations].mapping_id = mapping_id;
	locs[p->n_locations].address = address;
	locs[p->n_locations].line_off = p->n_lines;
	locs[p->n_locations].n_lines = n_lines;
	locs[p->n_locations].sym_offset = 0;
	locs[p->n_locations].has_sym_offset = false;
	p->n_lines += n_lines;
	return ++p->n_locations;
}

int profile_set_location_offset(struct profile *p, uint64_t loc_id, uint64_t offset)
{
	if (loc_id == 0 || loc_id > p->n_locations)
		return -EINVAL;
	p->locations[loc_id - 1].sym_offset = offset;
	p->locations[loc_id - 1].has_sym_offset = true;
	return 0;
}

/* --- samples ----------------------------------------------------------------------- */

static int lbl_cmp(const void *a, const void *b)
{
	const struct profile_lbl *x = a, *y = b;

	if (x->key_str != y->key_str)
		return x->key_str < y->key_str ? -1 : 1;
	if (x->str_str != y->str_str)
		return x->str_str < y->str_str ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	if (x->unit_str != y->unit_str)
		return x->unit_str < y->unit_str ? -1 : 1;
	return 0;
}

/*
 * Interns labels into p->scratch, dropping what pprof drops on decode (a string label
 * with value "", a numeric label with num 0 and no unit), and sorts them so that equal
 * sets become equal arrays. Returns how many are kept, -EINVAL or -ENOMEM.
 */
static ssize_t profile_norm_labels(struct profile *p, const struct profile_label *labels,
				   size_t n_labels)
{
	struct profile_lbl *s;
	size_t i, n = 0;

	if (!n_labels)
		return 0;
	if (!labels)
		return -EINVAL;
	s = grow(p->scratch, &p->cap_scratch, n_labels, sizeof(*s));
	if (!s)
		return -ENOMEM;
	p->scratch = s;
	for (i = 0; i < n_labels; i++) {
		const struct profile_label *l = &labels[i];
		struct profile_lbl *o = &s[n];

		if (!l->key)
			return -EINVAL;
		if (l->str) {
			if (!*l->str)
				continue;
			o->str_str = profile_intern(p, l->str);
			o->num = 0;
			o->unit_str = 0;
		} else {
			o->str_str = 0;
			o->num = l->num;
			o->unit_str = profile_intern(p, l->num_unit);
			if (o->num == 0 && o->unit_str == 0)
				continue;
		}
		o->key_str = profile_intern(p, l->key);
		if (o->key_str < 0 || o->str_str < 0 || o->unit_str < 0)
			return -ENOMEM;
		n++;
	}
	if (n > 1)
		qsort(s, n, sizeof(*s), lbl_cmp);
	return n;
}

struct smp_key {
	const struct profile *p;
	const uint64_t *locs;
	size_t n_locs;
	const struct profile_lbl *labels;
	size_t n_labels;
};

static bool smp_eq(const void *ctx, uint32_t idx)
{
	const struct smp_key *k = ctx;
	const struct profile_smp *s = &k->p->samples[idx];
	size_t i;

	if (s->n_locs != k->n_locs || s->n_labels != k->n_labels)
		return false;
	if (memcmp(&k->p->sample_locs[s->loc_off], k->locs, k->n_locs * sizeof(*k->locs)))
		return false;
	for (i = 0; i < k->n_labels; i++) {
		if (lbl_cmp(&k->p->labels[s->label_off + i], &k->labels[i]))
			return false;
	}
	return true;
}

static uint64_t smp_hash(const struct smp_key *k)
{
	uint64_t h = htab_hash_u64(2, k->n_locs);
	size_t i;

	for (i = 0; i < k->n_locs; i++)
		h = htab_hash_u64(h, k->locs[i]);
	h = htab_hash_u64(h, k->n_labels);
	for (i = 0; i < k->n_labels; i++) {
		h = htab_hash_u64(h, (uint64_t)k->labels[i].key_str);
		h = htab_hash_u64(h, (uint64_t)k->labels[i].str_str);
		h = htab_hash_u64(h, (uint64_t)k->labels[i].num);
		h = htab_hash_u64(h, (uint64_t)k->labels[i].unit_str);
	}
	return h;
}

/* Makes room for one more sample with these sizes. 0 or -ENOMEM. */
static int profile_reserve_sample(struct profile *p, size_t n_locs, size_t n_labels)
{
	size_t nt = p->n_sample_types;
	struct profile_smp *smp;
	uint64_t *locs;
	int64_t *vals;
	struct profile_lbl *lbl;

	if (n_locs > SIZE_MAX - p->n_sample_locs || n_labels > SIZE_MAX - p->n_labels ||
	    p->n_samples + 1 > SIZE_MAX / nt)
		return -ENOMEM;
	smp = grow(p->samples, &p->cap_samples, p->n_samples + 1, sizeof(*smp));
	if (!smp)
		return -ENOMEM;
	p->samples = smp;
	locs = grow(p->sample_locs, &p->cap_sample_locs, p->n_sample_locs + n_locs,
		    sizeof(*locs));
	if (!locs)
		return -ENOMEM;
	p->sample_locs = locs;
	vals = grow(p->sample_values, &p->cap_sample_values, (p->n_samples + 1) * nt,
		    sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	p->sample_values = vals;
	if (n_labels) {
		lbl = grow(p->labels, &p->cap_labels, p->n_labels + n_labels, sizeof(*lbl));
		if (!lbl)
			return -ENOMEM;
		p->labels = lbl;
	}
	return 0;
}

int profile_add_sample(struct profile *p, const uint64_t *location_ids, size_t n_locations,
		       const int64_t *values, const struct profile_label *labels,
		       size_t n_labels)
{
	struct smp_key k = { p, location_ids, n_locations, NULL, 0 };
	size_t nt = p->n_sample_types, i;
	struct profile_smp *s;
	int64_t *v;
	uint64_t hash;
	uint32_t idx;
	ssize_t n;
	int err;

	if (!nt || !n_locations || !location_ids || !values)
		return -EINVAL;
	for (i = 0; i < n_locations; i++) {
		if (location_ids[i] == 0 || location_ids[i] > p->n_locations)
			return -EINVAL;
	}
	n = profile_norm_labels(p, labels, n_labels);
	if (n < 0)
		return n;
	k.labels = p->scratch;
	k.n_labels = n;
	hash = smp_hash(&k);
	idx = htab_find(&p->sample_index, hash, smp_eq, &k);
	if (idx == HTAB_NONE) {
		err = profile_reserve_sample(p, n_locations, k.n_labels);
		if (err)
			return err;
		err = htab_insert(&p->sample_index, hash, p->n_samples);
		if (err)
			return err == -EOVERFLOW ? -ENOMEM : err;
		s = &p->samples[p->n_samples];
		s->loc_off = p->n_sample_locs;
		s->n_locs = n_locations;
		s->label_off = p->n_labels;
		s->n_labels = k.n_labels;
		memcpy(&p->sample_locs[s->loc_off], location_ids,
		       n_locations * sizeof(*location_ids));
		if (k.n_labels)
			memcpy(&p->labels[s->label_off], k.labels, k.n_labels * sizeof(*k.labels));
		memset(&p->sample_values[p->n_samples * nt], 0, nt * sizeof(*values));
		p->n_sample_locs += n_locations;
		p->n_labels += k.n_labels;
		idx = p->n_samples++;
	}
	v = &p->sample_values[(size_t)idx * nt];
	/* Unsigned addition: an overflow wraps, as Go's int64 does, instead of being UB. */
	for (i = 0; i < nt; i++)
		v[i] = (int64_t)((uint64_t)v[i] + (uint64_t)values[i]);
	return 0;
}

size_t profile_n_samples(const struct profile *p)
{
	return p->n_samples;
}

size_t profile_n_locations(const struct profile *p)
{
	return p->n_locations;
}

/* --- protobuf writer ----------------------------------------------------------------- */

/*
 * The protobuf-c view of a profile: message structs and pointer arrays, all pointing into
 * the builder's own arrays (strings, location ids, values, comments are not copied).
 */
struct pb_view {
	Perftools__Profiles__Profile msg;
	Perftools__Profiles__ValueType period_type;
	Perftools__Profiles__ValueType *vt, **vtp;
	Perftools__Profiles__Sample *smp, **smpp;
	Perftools__Profiles__Label *lbl, **lblp;
	Perftools__Profiles__Mapping *map, **mapp;
	Perftools__Profiles__Location *loc, **locp;
	Perftools__Profiles__Line *line, **linep;
	Perftools__Profiles__Function *fn, **fnp;
};

static void pb_view_free(struct pb_view *v)
{
	free(v->vt);
	free(v->vtp);
	free(v->smp);
	free(v->smpp);
	free(v->lbl);
	free(v->lblp);
	free(v->map);
	free(v->mapp);
	free(v->loc);
	free(v->locp);
	free(v->line);
	free(v->linep);
	free(v->fn);
	free(v->fnp);
}

/* calloc for n elements, NULL (and no failure) when n is 0; sets *failed when out of memory. */
static void *pb_calloc(size_t n, size_t size, bool *failed)
{
	void *a;

	if (!n)
		return NULL;
	a = calloc(n, size);
	if (!a)
		*failed = true;
	return a;
}

/* Allocates every struct and pointer array of v for p. 0 or -ENOMEM. */
static int pb_view_alloc(const struct profile *p, struct pb_view *v)
{
	bool failed = false;

	v->vt = pb_calloc(p->n_sample_types, sizeof(*v->vt), &failed);
	v->vtp = pb_calloc(p->n_sample_types, sizeof(*v->vtp), &failed);
	v->smp = pb_calloc(p->n_samples, sizeof(*v->smp), &failed);
	v->smpp = pb_calloc(p->n_samples, sizeof(*v->smpp), &failed);
	v->lbl = pb_calloc(p->n_labels, sizeof(*v->lbl), &failed);
	v->lblp = pb_calloc(p->n_labels, sizeof(*v->lblp), &failed);
	v->map = pb_calloc(p->n_mappings, sizeof(*v->map), &failed);
	v->mapp = pb_calloc(p->n_mappings, sizeof(*v->mapp), &failed);
	v->loc = pb_calloc(p->n_locations, sizeof(*v->loc), &failed);
	v->locp = pb_calloc(p->n_locations, sizeof(*v->locp), &failed);
	v->line = pb_calloc(p->n_lines, sizeof(*v->line), &failed);
	v->linep = pb_calloc(p->n_lines, sizeof(*v->linep), &failed);
	v->fn = pb_calloc(p->n_functions, sizeof(*v->fn), &failed);
	v->fnp = pb_calloc(p->n_functions, sizeof(*v->fnp), &failed);
	return failed ? -ENOMEM : 0;
}

static void pb_fill_header(const struct profile *p, struct pb_view *v)
{
	Perftools__Profiles__Profile *m = &v->msg;
	size_t i;

	for (i = 0; i < p->n_sample_types; i++) {
		perftools__profiles__value_type__init(&v->vt[i]);
		v->vt[i].type = p->sample_types[i].type_str;
		v->vt[i].unit = p->sample_types[i].unit_str;
		v->vtp[i] = &v->vt[i];
	}
	m->n_sample_type = p->n_sample_types;
	m->sample_type = v->vtp;
	m->n_string_table = p->n_strs;
	m->string_table = p->strs;
	m->drop_frames = p->drop_frames_str;
	m->keep_frames = p->keep_frames_str;
	m->time_nanos = p->time_nanos;
	m->duration_nanos = p->duration_nanos;
	if (p->has_period_type) {
		perftools__profiles__value_type__init(&v->period_type);
		v->period_type.type = p->period_type.type_str;
		v->period_type.unit = p->period_type.unit_str;
		m->period_type = &v->period_type;
	}
	m->period = p->period;
	m->n_comment = p->n_comments;
	m->comment = p->comments;
	m->default_sample_type = p->default_sample_type_str;
	m->doc_url = p->doc_url_str;
}

static void pb_fill_samples(const struct profile *p, struct pb_view *v)
{
	size_t i;

	for (i = 0; i < p->n_labels; i++) {
		perftools__profiles__label__init(&v->lbl[i]);
		v->lbl[i].key = p->labels[i].key_str;
		v->lbl[i].str = p->labels[i].str_str;
		v->lbl[i].num = p->labels[i].num;
		v->lbl[i].num_unit = p->labels[i].unit_str;
		v->lblp[i] = &v->lbl[i];
	}
	for (i = 0; i < p->n_samples; i++) {
		const struct profile_smp *s = &p->samples[i];
		Perftools__Profiles__Sample *o = &v->smp[i];

		perftools__profiles__sample__init(o);
		o->n_location_id = s->n_locs;
		o->location_id = &p->sample_locs[s->loc_off];
		o->n_value = p->n_sample_types;
		o->value = &p->sample_values[i * p->n_sample_types];
		o->n_label = s->n_labels;
		o->label = s->n_labels ? &v->lblp[s->label_off] : NULL;
		v->smpp[i] = o;
	}
	v->msg.n_sample = p->n_samples;
	v->msg.sample = v->smpp;
}

static void pb_fill_tables(const struct profile *p, struct pb_view *v)
{
	size_t i;

	for (i = 0; i < p->n_mappings; i++) {
		const struct profile_map *s = &p->mappings[i];
		Perftools__Profiles__Mapping *o = &v->map[i];

		perftools__profiles__mapping__init(o);
		o->id = i + 1;
		o->memory_start = s->memory_start;
		o->memory_limit = s->memory_limit;
		o->file_offset = s->file_offset;
		o->filename = s->filename_str;
		o->build_id = s->build_id_str;
		o->has_functions = s->has_functions;
		o->has_filenames = s->has_filenames;
		o->has_line_numbers = s->has_line_numbers;
		o->has_inline_frames = s->has_inline_frames;
		v->mapp[i] = o;
	}
	for (i = 0; i < p->n_lines; i++) {
		perftools__profiles__line__init(&v->line[i]);
		v->line[i].function_id = p->lines[i].function_id;
		v->line[i].line = p->lines[i].line;
		v->line[i].column = p->lines[i].column;
		v->linep[i] = &v->line[i];
	}
	for (i = 0; i < p->n_locations; i++) {
		const struct profile_loc *s = &p->locations[i];
		Perftools__Profiles__Location *o = &v->loc[i];

		perftools__profiles__location__init(o);
		o->id = i + 1;
		o->mapping_id = s->mapping_id;
		o->address = s->address;
		o->n_line = s->n_lines;
		o->line = s->n_lines ? &v->linep[s->line_off] : NULL;
		v->locp[i] = o;
	}
	for (i = 0; i < p->n_functions; i++) {
		const struct profile_func *s = &p->functions[i];
		Perftools__Profiles__Function *o = &v->fn[i];

		perftools__profiles__function__init(o);
		o->id = i + 1;
		o->name = s->name_str;
		o->system_name = s->system_name_str;
		o->filename = s->filename_str;
		o->start_line = s->start_line;
		v->fnp[i] = o;
	}
	v->msg.n_mapping = p->n_mappings;
	v->msg.mapping = v->mapp;
	v->msg.n_location = p->n_locations;
	v->msg.location = v->locp;
	v->msg.n_function = p->n_functions;
	v->msg.function = v->fnp;
}

int profile_serialize(const struct profile *p, uint8_t **buf, size_t *len)
{
	struct pb_view v;
	size_t size;
	uint8_t *out;
	int err;

	memset(&v, 0, sizeof(v));
	perftools__profiles__profile__init(&v.msg);
	err = pb_view_alloc(p, &v);
	if (err)
		goto out_view;
	pb_fill_header(p, &v);
	pb_fill_samples(p, &v);
	pb_fill_tables(p, &v);

	size = perftools__profiles__profile__get_packed_size(&v.msg);
	out = malloc(size ? size : 1);
	if (!out) {
		err = -ENOMEM;
		goto out_view;
	}
	if (perftools__profiles__profile__pack(&v.msg, out) != size) {
		free(out);
		err = -EPROTO;
		goto out_view;
	}
	*buf = out;
	*len = size;
out_view:
	pb_view_free(&v);
	return err;
}

int profile_serialize_gz(const struct profile *p, uint8_t **buf, size_t *len)
{
	uint8_t *raw;
	size_t n;
	int err;

	err = profile_serialize(p, &raw, &n);
	if (err)
		return err;
	err = gz_compress(raw, n, buf, len);
	free(raw);
	return err;
}
