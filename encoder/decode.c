/*
 * decode.c: profile.proto (gzipped or raw) -> struct dprofile with every string resolved,
 * rejecting what go tool pprof rejects, in its words (ParseData, postDecode, CheckValid);
 * plus two text views of the result: decode_print (everything) and decode_top (-top).
 * protobuf-c does the unpacking; a scan of the top-level fields catches what it cannot.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "gz.h"
#include "htab.h"
#include "profile.pb-c.h"

/* The decoder's own storage behind dprofile.priv. */
struct dpriv {
	Perftools__Profiles__Profile *msg;	/* every string points into it */
	struct dlabel *labels;
	struct dline *lines;
	struct htab map_ids, fn_ids, loc_ids;
};

/* Decoding state: the message, the output, and the first error met. */
struct dctx {
	const Perftools__Profiles__Profile *msg;
	struct dprofile *p;
	struct dpriv *priv;
	char *err;
	size_t errlen;
	bool has_bad_str;
	int64_t bad_str;	/* the first out-of-range string index */
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Formats the reason into err (when given) and returns rc. */
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* --- wire scan ------------------------------------------------------------------------ */

static bool scan_varint(const uint8_t *d, size_t n, size_t *pos, uint64_t *v)
{
	uint64_t x = 0;
	unsigned i;

	for (i = 0; i < 10 && *pos < n; i++) {
		uint8_t b = d[(*pos)++];

		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/*
 * Walks the top-level fields. protobuf-c keeps the last of two time_nanos silently, while
 * pprof's decoder refuses a second one once the first was non-zero: that is how it spots
 * two profiles appended into one stream. 0, or -EINVAL with the reason.
 */
static int decode_scan(const uint8_t *d, size_t n, char *err, size_t errlen)
{
	uint64_t key, v, time_nanos = 0;
	size_t pos = 0;

	while (pos < n) {
		if (!scan_varint(d, n, &pos, &key))
			goto out_bad;
		switch (key & 7) {
		case 0:
			if (!scan_varint(d, n, &pos, &v))
				goto out_bad;
			if ((key >> 3) == 9) {
				if (time_nanos)
					return fail(err, errlen, -EINVAL,
						    "concatenated profiles detected");
				time_nanos = v;
			}
			break;
		case 1:
			if (n - pos < 8)
				goto out_bad;
			pos += 8;
			break;
		case 2:
			if (!scan_varint(d, n, &pos, &v) || v > n - pos)
				goto out_bad;
			pos += v;
			break;
		case 5:
			if (n - pos < 4)
				goto out_bad;
			pos += 4;
			break;
		default:
			goto out_bad;
		}
	}
	return 0;

out_bad:
	return fail(err, errlen, -EINVAL, "unrecognized profile format (bad wire format at byte %zu)",
		    pos);
}

/* --- building the dprofile ---------------------------------------------------------- */

/* The string at index i, or "" after recording the first bad index (pprof's getString). */
static const char *dstr(struct dctx *c, int64_t i)
{
	if (i < 0 || (uint64_t)i >= c->msg->n_string_table) {
		if (!c->has_bad_str)
			c->bad_str = i;
		c->has_bad_str = true;
		return "";
	}
	return c->msg->string_table[i];
}

static void *dcalloc(size_t n, size_t size, bool *failed)
{
	void *a;

	if (!n)
		return NULL;
	a = calloc(n, size);
	if (!a)
		*failed = true;
	return a;
}

static int decode_alloc(struct dctx *c)
{
	const Perftools__Profiles__Profile *m = c->msg;
	struct dprofile *p = c->p;
	size_t i, n_labels = 0, n_lines = 0;
	bool failed = false;

	for (i = 0; i < m->n_sample; i++)
		n_labels += m->sample[i]->n_label;
	for (i = 0; i < m->n_location; i++)
		n_lines += m->location[i]->n_line;
	p->sample_types = dcalloc(m->n_sample_type, sizeof(*p->sample_types), &failed);
	p->samples = dcalloc(m->n_sample, sizeof(*p->samples), &failed);
	p->mappings = dcalloc(m->n_mapping, sizeof(*p->mappings), &failed);
	p->locations = dcalloc(m->n_location, sizeof(*p->locations), &failed);
	p->functions = dcalloc(m->n_function, sizeof(*p->functions), &failed);
	p->comments = dcalloc(m->n_comment, sizeof(*p->comments), &failed);
	c->priv->labels = dcalloc(n_labels, sizeof(*c->priv->labels), &failed);
	c->priv->lines = dcalloc(n_lines, sizeof(*c->priv->lines), &failed);
	return failed ? -ENOMEM : 0;
}

/* Copies the tables in pprof's postDecode order (which decides the first bad index). */
static void decode_tables(struct dctx *c)
{
	const Perftools__Profiles__Profile *m = c->msg;
	struct dprofile *p = c->p;
	struct dline *line = c->priv->lines;
	size_t i, j;

	for (i = 0; i < m->n_mapping; i++) {
		const Perftools__Profiles__Mapping *s = m->mapping[i];
		struct dmapping *d = &p->mappings[i];

		d->id = s->id;
		d->memory_start = s->memory_start;
		d->memory_limit = s->memory_limit;
		d->file_offset = s->file_offset;
		d->filename = dstr(c, s->filename);
		d->build_id = dstr(c, s->build_id);
		d->has_functions = s->has_functions;
		d->has_filenames = s->has_filenames;
		d->has_line_numbers = s->has_line_numbers;
		d->has_inline_frames = s->has_inline_frames;
	}
	p->n_mappings = m->n_mapping;
	for (i = 0; i < m->n_function; i++) {
		const Perftools__Profiles__Function *s = m->function[i];
		struct dfunction *d = &p->functions[i];

		d->id = s->id;
		d->name = dstr(c, s->name);
		d->system_name = dstr(c, s->system_name);
		d->filename = dstr(c, s->filename);
		d->start_line = s->start_line;
	}
	p->n_functions = m->n_function;
	for (i = 0; i < m->n_location; i++) {
		const Perftools__Profiles__Location *s = m->location[i];
		struct dlocation *d = &p->locations[i];

		d->id = s->id;
		d->mapping_id = s->mapping_id;
		d->address = s->address;
		d->is_folded = s->is_folded;
		d->lines = s->n_line ? line : NULL;
		d->n_lines = s->n_line;
		for (j = 0; j < s->n_line; j++, line++) {
			line->function_id = s->line[j]->function_id;
			line->line = s->line[j]->line;
			line->column = s->line[j]->column;
		}
	}
	p->n_locations = m->n_location;
}

/*
 * Labels as pprof reads them: a non-zero str makes a string label; otherwise a non-zero
 * num or num_unit makes a numeric one; anything else is dropped.
 */
static void decode_samples(struct dctx *c)
{
	const Perftools__Profiles__Profile *m = c->msg;
	struct dprofile *p = c->p;
	struct dlabel *out = c->priv->labels;
	size_t i, j;

	for (i = 0; i < m->n_sample_type; i++) {
		p->sample_types[i].type = dstr(c, m->sample_type[i]->type);
		p->sample_types[i].unit = dstr(c, m->sample_type[i]->unit);
	}
	p->n_sample_types = m->n_sample_type;
	for (i = 0; i < m->n_sample; i++) {
		const Perftools__Profiles__Sample *s = m->sample[i];
		struct dsample *d = &p->samples[i];

		d->location_ids = s->location_id;
		d->n_locations = s->n_location_id;
		d->values = s->value;
		d->labels = out;
		for (j = 0; j < s->n_label; j++) {
			const Perftools__Profiles__Label *l = s->label[j];

			out->key = dstr(c, l->key);
			if (l->str) {
				out->str = dstr(c, l->str);
				out->num = 0;
				out->num_unit = "";
			} else if (l->num || l->num_unit) {
				out->str = NULL;
				out->num = l->num;
				out->num_unit = l->num_unit ? dstr(c, l->num_unit) : "";
			} else {
				continue;
			}
			out++;
		}
		d->n_labels = out - d->labels;
		if (!d->n_labels)
			d->labels = NULL;
	}
	p->n_samples = m->n_sample;
}

static void decode_header(struct dctx *c)
{
	const Perftools__Profiles__Profile *m = c->msg;
	struct dprofile *p = c->p;
	size_t i;

	p->drop_frames = dstr(c, m->drop_frames);
	p->keep_frames = dstr(c, m->keep_frames);
	p->period_type.type = dstr(c, m->period_type ? m->period_type->type : 0);
	p->period_type.unit = dstr(c, m->period_type ? m->period_type->unit : 0);
	for (i = 0; i < m->n_comment; i++)
		p->comments[i] = dstr(c, m->comment[i]);
	p->n_comments = m->n_comment;
	p->default_sample_type = dstr(c, m->default_sample_type);
	/* Newer than Go 1.19's pprof; checked as pprof at HEAD checks it. */
	p->doc_url = dstr(c, m->doc_url);
	p->time_nanos = m->time_nanos;
	p->duration_nanos = m->duration_nanos;
	p->period = m->period;
	p->n_strings = m->n_string_table;
}

/* --- id tables and CheckValid ------------------------------------------------------------ */

struct id_key {
	const struct dprofile *p;
	uint64_t id;
};

static bool map_id_eq(const void *ctx, uint32_t idx)
{
	const struct id_key *k = ctx;

	return k->p->mappings[idx].id == k->id;
}

static bool fn_id_eq(const void *ctx, uint32_t idx)
{
	const struct id_key *k = ctx;

	return k->p->functions[idx].id == k->id;
}

static bool loc_id_eq(const void *ctx, uint32_t idx)
{
	const struct id_key *k = ctx;

	return k->p->locations[idx].id == k->id;
}

static uint64_t id_hash(uint64_t id)
{
	return htab_hash_u64(0, id);
}

/*
 * Indexes n ids (the id of element i is ids(p, i)), remembering in *first_bad the first
 * element that has id 0 or repeats an earlier id (n when none). 0 or -ENOMEM.
 */
static int index_ids(const struct dprofile *p, struct htab *h, size_t n, htab_eq_fn eq,
		     uint64_t (*ids)(const struct dprofile *, size_t), size_t *first_bad)
{
	struct id_key k = { p, 0 };
	size_t i;

	*first_bad = n;
	for (i = 0; i < n; i++) {
		k.id = ids(p, i);
		if (*first_bad == n &&
		    (k.id == 0 || htab_find(h, id_hash(k.id), eq, &k) != HTAB_NONE))
			*first_bad = i;
		if (htab_insert(h, id_hash(k.id), i))
			return -ENOMEM;
	}
	return 0;
}

static uint64_t map_id(const struct dprofile *p, size_t i)
{
	return p->mappings[i].id;
}

static uint64_t fn_id(const struct dprofile *p, size_t i)
{
	return p->functions[i].id;
}

static uint64_t loc_id(const struct dprofile *p, size_t i)
{
	return p->locations[i].id;
}

/* pprof's Profile.CheckValid, check for check and in its order. */
static int decode_check(struct dctx *c)
{
	struct dprofile *p = c->p;
	struct dpriv *v = c->priv;
	size_t bad_map, bad_fn, bad_loc, i, j;

	if (index_ids(p, &v->map_ids, p->n_mappings, map_id_eq, map_id, &bad_map) ||
	    index_ids(p, &v->fn_ids, p->n_functions, fn_id_eq, fn_id, &bad_fn) ||
	    index_ids(p, &v->loc_ids, p->n_locations, loc_id_eq, loc_id, &bad_loc))
		return -ENOMEM;

	if (p->n_sample_types == 0 && p->n_samples)
		return fail(c->err, c->errlen, -EINVAL,
			    "malformed profile: missing sample type information");
	for (i = 0; i < p->n_samples; i++) {
		const struct dsample *s = &p->samples[i];
		struct id_key k = { p, 0 };

		if (c->msg->sample[i]->n_value != p->n_sample_types)
			return fail(c->err, c->errlen, -EINVAL,
				    "malformed profile: mismatch: sample has %zu values vs. %zu types",
				    c->msg->sample[i]->n_value, p->n_sample_types);
		for (j = 0; j < s->n_locations; j++) {
			k.id = s->location_ids[j];
			if (htab_find(&v->loc_ids, id_hash(k.id), loc_id_eq, &k) == HTAB_NONE)
				return fail(c->err, c->errlen, -EINVAL,
					    "malformed profile: sample has nil location");
		}
	}
	if (bad_map < p->n_mappings) {
		if (p->mappings[bad_map].id == 0)
			return fail(c->err, c->errlen, -EINVAL,
				    "malformed profile: found mapping with reserved ID=0");
		return fail(c->err, c->errlen, -EINVAL,
			    "malformed profile: multiple mappings with same id: %llu",
			    (unsigned long long)p->mappings[bad_map].id);
	}
	if (bad_fn < p->n_functions) {
		if (p->functions[bad_fn].id == 0)
			return fail(c->err, c->errlen, -EINVAL,
				    "malformed profile: found function with reserved ID=0");
		return fail(c->err, c->errlen, -EINVAL,
			    "malformed profile: multiple functions with same id: %llu",
			    (unsigned long long)p->functions[bad_fn].id);
	}
	for (i = 0; i < p->n_locations; i++) {
		const struct dlocation *l = &p->locations[i];

		if (i == bad_loc && l->id == 0)
			return fail(c->err, c->errlen, -EINVAL,
				    "malformed profile: found location with reserved id=0");
		if (i == bad_loc)
			return fail(c->err, c->errlen, -EINVAL,
				    "malformed profile: multiple locations with same id: %llu",
				    (unsigned long long)l->id);
		for (j = 0; j < l->n_lines; j++) {
			if (l->lines[j].function_id == 0 ||
			    !decode_function(p, l->lines[j].function_id))
				return fail(c->err, c->errlen, -EINVAL,
					    "malformed profile: location id: %llu has a line with nil function",
					    (unsigned long long)l->id);
		}
	}
	return 0;
}

/* --- entry points ----------------------------------------------------------------------- */

/* Unpacks and resolves data[0..n) (already decompressed and scanned) into c->p. */
static int decode_message(struct dctx *c, const uint8_t *data, size_t n)
{
	const Perftools__Profiles__Profile *m;
	int rc;

	c->priv->msg = perftools__profiles__profile__unpack(NULL, n, data);
	if (!c->priv->msg)
		return fail(c->err, c->errlen, -EINVAL,
			    "unrecognized profile format (not a profile.proto message)");
	m = c->msg = c->priv->msg;
	if (m->n_string_table == 0)
		return fail(c->err, c->errlen, -EINVAL,
			    "unrecognized profile format (missing string table)");
	if (m->string_table[0][0] != '\0')
		return fail(c->err, c->errlen, -EINVAL,
			    "unrecognized profile format (string_table[0] must be '')");
	rc = decode_alloc(c);
	if (rc)
		return fail(c->err, c->errlen, rc, "out of memory");
	decode_tables(c);
	decode_samples(c);
	decode_header(c);
	if (c->has_bad_str)
		return fail(c->err, c->errlen, -EINVAL,
			    "unrecognized profile format (string index %lld out of range, table has %zu)",
			    (long long)c->bad_str, m->n_string_table);
	rc = decode_check(c);
	if (rc == -ENOMEM)
		return fail(c->err, c->errlen, rc, "out of memory");
	return rc;
}

int decode_profile(const void *buf, size_t n, struct dprofile **out, char *err, size_t errlen)
{
	const uint8_t *b = buf;
	struct dctx c = { .err = err, .errlen = errlen };
	uint8_t *unz = NULL;
	const uint8_t *data = b;
	char zerr[128];
	size_t len = n;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		rc = gz_decompress_err(buf, n, &unz, &len, zerr, sizeof(zerr));
		if (rc == -ENOMEM)
			return fail(err, errlen, rc, "decompressing profile: out of memory");
		if (rc)
			return fail(err, errlen, rc, "decompressing profile: %s", zerr);
		data = unz;
	}
	if (len == 0) {
		rc = fail(err, errlen, -EINVAL, "empty input file");
		goto out_unz;
	}
	rc = decode_scan(data, len, err, errlen);
	if (rc)
		goto out_unz;
	c.p = calloc(1, sizeof(*c.p));
	c.priv = calloc(1, sizeof(*c.priv));
	if (!c.p || !c.priv) {
		free(c.p);
		free(c.priv);
		rc = fail(err, errlen, -ENOMEM, "out of memory");
		goto out_unz;
	}
	c.p->priv = c.priv;
	rc = decode_message(&c, data, len);
	if (rc) {
		decode_free(c.p);
		goto out_unz;
	}
	*out = c.p;
out_unz:
	free(unz);
	return rc;
}

int decode_file(const char *path, struct dprofile **out, char *err, size_t errlen)
{
	uint8_t *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "open %s: %s", path, strerror(errno));
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				rc = fail(err, errlen, -ENOMEM, "read %s: out of memory", path);
				goto out_buf;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(err, errlen, -errno, "read %s: %s", path, strerror(errno));
			goto out_buf;
		}
		if (r == 0)
			break;
		len += r;
	}
	rc = decode_profile(buf, len, out, err, errlen);
out_buf:
	free(buf);
	close(fd);
	return rc;
}

void decode_free(struct dprofile *p)
{
	struct dpriv *v;

	if (!p)
		return;
	v = p->priv;
	if (v) {
		if (v->msg)
			perftools__profiles__profile__free_unpacked(v->msg, NULL);
		free(v->labels);
		free(v->lines);
		htab_free(&v->map_ids);
		htab_free(&v->fn_ids);
		htab_free(&v->loc_ids);
		free(v);
	}
	free(p->sample_types);
	free(p->samples);
	free(p->mappings);
	free(p->locations);
	free(p->functions);
	free(p->comments);
	free(p);
}

/*
 * The index of the element with this id, n when none. A dprofile built by hand (priv
 * NULL, as tests build expected profiles) has no hash index: search it one by one.
 */
static size_t lookup(const struct dprofile *p, const struct htab *h, size_t n, htab_eq_fn eq,
		     uint64_t (*ids)(const struct dprofile *, size_t), uint64_t id)
{
	struct id_key k = { p, id };
	uint32_t idx;
	size_t i;

	if (!h) {
		for (i = 0; i < n && ids(p, i) != id; i++)
			;
		return i;
	}
	idx = htab_find(h, id_hash(id), eq, &k);
	return idx == HTAB_NONE ? n : idx;
}

const struct dmapping *decode_mapping(const struct dprofile *p, uint64_t id)
{
	const struct dpriv *v = p->priv;
	size_t i = lookup(p, v ? &v->map_ids : NULL, p->n_mappings, map_id_eq, map_id, id);

	return i < p->n_mappings ? &p->mappings[i] : NULL;
}

const struct dlocation *decode_location(const struct dprofile *p, uint64_t id)
{
	const struct dpriv *v = p->priv;
	size_t i = lookup(p, v ? &v->loc_ids : NULL, p->n_locations, loc_id_eq, loc_id, id);

	return i < p->n_locations ? &p->locations[i] : NULL;
}

const struct dfunction *decode_function(const struct dprofile *p, uint64_t id)
{
	const struct dpriv *v = p->priv;
	size_t i = lookup(p, v ? &v->fn_ids : NULL, p->n_functions, fn_id_eq, fn_id, id);

	return i < p->n_functions ? &p->functions[i] : NULL;
}

size_t decode_default_index(const struct dprofile *p)
{
	size_t i;

	if (p->n_sample_types == 0)
		return 0;
	if (p->default_sample_type[0]) {
		for (i = 0; i < p->n_sample_types; i++) {
			if (strcmp(p->sample_types[i].type, p->default_sample_type) == 0)
				return i;
		}
	}
	return p->n_sample_types - 1;
}

int64_t decode_total(const struct dprofile *p, size_t index)
{
	uint64_t sum = 0;
	size_t i;

	if (index >= p->n_sample_types)
		return 0;
	for (i = 0; i < p->n_samples; i++)
		sum += (uint64_t)p->samples[i].values[index];
	return (int64_t)sum;
}

int decode_sample_index(const struct dprofile *p, const char *spec, size_t *index)
{
	char *end;
	unsigned long long v;
	size_t i;

	if (!spec || !*spec)
		return -EINVAL;
	if (spec[0] >= '0' && spec[0] <= '9') {
		errno = 0;
		v = strtoull(spec, &end, 10);
		if (errno || *end || v >= p->n_sample_types)
			return -EINVAL;
		*index = v;
		return 0;
	}
	for (i = 0; i < p->n_sample_types; i++) {
		if (strcmp(p->sample_types[i].type, spec) == 0) {
			*index = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* --- decode_print ------------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* One frame: "func file:line", "func" (no file, no line), or the address when no lines. */
static void print_line(FILE *f, const struct dprofile *p, const struct dline *ln)
{
	const struct dfunction *fn = decode_function(p, ln->function_id);

	fputs(fn->name, f);
	if (fn->filename[0] && ln->line)
		fprintf(f, " %s:%lld", fn->filename, (long long)ln->line);
	else if (fn->filename[0])
		fprintf(f, " %s", fn->filename);
	else if (ln->line)
		fprintf(f, " ?:%lld", (long long)ln->line);
	if (ln->column)
		fprintf(f, ":%lld", (long long)ln->column);
}

static void print_location(FILE *f, const struct dprofile *p, const struct dlocation *l,
			   bool *first)
{
	const struct dmapping *m;
	size_t i;

	if (!l->n_lines) {
		m = decode_mapping(p, l->mapping_id);
		fprintf(f, "%s0x%llx", *first ? " " : ";", (unsigned long long)l->address);
		if (m && m->filename[0])
			fprintf(f, " [%s]", base_name(m->filename));
		*first = false;
		return;
	}
	for (i = 0; i < l->n_lines; i++) {
		fputs(*first ? " " : ";", f);
		print_line(f, p, &l->lines[i]);
		if (i + 1 < l->n_lines)
			fputs(" (inline)", f);
		*first = false;
	}
}

static void print_sample(FILE *f, const struct dprofile *p, const struct dsample *s)
{
	bool first = true;
	size_t i;

	fputs("sample:", f);
	for (i = 0; i < p->n_sample_types; i++)
		fprintf(f, " %lld", (long long)s->values[i]);
	fputs(" | labels", f);
	for (i = 0; i < s->n_labels; i++) {
		const struct dlabel *l = &s->labels[i];

		if (l->str)
			fprintf(f, " %s=%s", l->key, l->str);
		else
			fprintf(f, " %s=%lld%s", l->key, (long long)l->num, l->num_unit);
	}
	fputs(" | frames", f);
	for (i = 0; i < s->n_locations; i++)
		print_location(f, p, decode_location(p, s->location_ids[i]), &first);
	fputc('\n', f);
}

/* "key:" alone when value is empty, "key: value" otherwise (no trailing blanks). */
static void print_field(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s:%s%s\n", key, value[0] ? " " : "", value);
}

static void print_header(FILE *f, const struct dprofile *p)
{
	size_t i, dflt = decode_default_index(p);

	fprintf(f, "period_type: %s/%s\n", p->period_type.type, p->period_type.unit);
	fprintf(f, "period: %lld\n", (long long)p->period);
	fprintf(f, "time_nanos: %lld\n", (long long)p->time_nanos);
	fprintf(f, "duration_nanos: %lld\n", (long long)p->duration_nanos);
	print_field(f, "default_sample_type", p->default_sample_type);
	print_field(f, "drop_frames", p->drop_frames);
	print_field(f, "keep_frames", p->keep_frames);
	print_field(f, "doc_url", p->doc_url);
	for (i = 0; i < p->n_comments; i++)
		print_field(f, "comment", p->comments[i]);
	fputs("sample_types:", f);
	for (i = 0; i < p->n_sample_types; i++)
		fprintf(f, " %s/%s%s", p->sample_types[i].type, p->sample_types[i].unit,
			i == dflt ? "[dflt]" : "");
	fputc('\n', f);
}

int decode_print(FILE *f, const struct dprofile *p)
{
	size_t i, j;

	print_header(f, p);
	fprintf(f, "samples: %zu\n", p->n_samples);
	for (i = 0; i < p->n_samples; i++)
		print_sample(f, p, &p->samples[i]);
	fprintf(f, "locations: %zu\n", p->n_locations);
	for (i = 0; i < p->n_locations; i++) {
		const struct dlocation *l = &p->locations[i];
		bool first = true;

		fprintf(f, "location: %llu 0x%llx M=%llu%s |", (unsigned long long)l->id,
			(unsigned long long)l->address, (unsigned long long)l->mapping_id,
			l->is_folded ? " folded" : "");
		for (j = 0; j < l->n_lines; j++) {
			fputs(first ? " " : ";", f);
			print_line(f, p, &l->lines[j]);
			first = false;
		}
		fputc('\n', f);
	}
	fprintf(f, "functions: %zu\n", p->n_functions);
	for (i = 0; i < p->n_functions; i++) {
		const struct dfunction *fn = &p->functions[i];

		fprintf(f, "function: %llu name=%s system_name=%s file=%s start_line=%lld\n",
			(unsigned long long)fn->id, fn->name, fn->system_name, fn->filename,
			(long long)fn->start_line);
	}
	fprintf(f, "mappings: %zu\n", p->n_mappings);
	for (i = 0; i < p->n_mappings; i++) {
		const struct dmapping *m = &p->mappings[i];

		fprintf(f, "mapping: %llu 0x%llx/0x%llx/0x%llx file=%s build_id=%s flags=%s%s%s%s\n",
			(unsigned long long)m->id, (unsigned long long)m->memory_start,
			(unsigned long long)m->memory_limit, (unsigned long long)m->file_offset,
			m->filename, m->build_id, m->has_functions ? "[FN]" : "",
			m->has_filenames ? "[FL]" : "", m->has_line_numbers ? "[LN]" : "",
			m->has_inline_frames ? "[IN]" : "");
	}
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

/* --- decode_top: pprof's measurement package and its text report ------------------------ */

struct unit {
	const char *name;
	const char *aliases[4];
	double factor;
};

struct unit_type {
	struct unit units[6];
	size_t n_units;
	struct unit dflt;
};

/* pprof's unit families: bytes scale by 1024, time by its own factors. */
static const struct unit_type unit_types[] = {
	{
		.units = {
			{ "B", { "b", "byte" }, 1 },
			{ "kB", { "kb", "kbyte", "kilobyte" }, 1024.0 },
			{ "MB", { "mb", "mbyte", "megabyte" }, 1048576.0 },
			{ "GB", { "gb", "gbyte", "gigabyte" }, 1073741824.0 },
			{ "TB", { "tb", "tbyte", "terabyte" }, 1099511627776.0 },
			{ "PB", { "pb", "pbyte", "petabyte" }, 1125899906842624.0 },
		},
		.n_units = 6,
		.dflt = { "B", { "b", "byte" }, 1 },
	},
	{
		.units = {
			{ "ns", { "ns", "nanosecond" }, 1 },
			{ "us", { "us", "microsecond" }, 1e3 },
			{ "ms", { "ms", "millisecond" }, 1e6 },
			{ "s", { "s", "sec", "second" }, 1e9 },
			{ "hrs", { "hour", "hr" }, 3600e9 },
		},
		.n_units = 5,
		.dflt = { "s", { NULL }, 1e9 },
	},
};

/* The unit of type t that name denotes ("nanoseconds", "MB", ...), or NULL. */
static const struct unit *unit_sniff(const struct unit_type *t, const char *name)
{
	char low[32];
	size_t len = strlen(name), i, j;

	if (len >= sizeof(low))
		return NULL;
	for (i = 0; i <= len; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i];
	if (len > 2 && low[len - 1] == 's')
		low[len - 1] = '\0';
	for (i = 0; i < t->n_units; i++) {
		for (j = 0; j < 4 && t->units[i].aliases[j]; j++) {
			if (strcmp(low, t->units[i].aliases[j]) == 0)
				return &t->units[i];
		}
	}
	return NULL;
}

/* pprof's measurement.Scale: value in unit from, expressed in unit to ("minimum": best). */
static double unit_scale(int64_t value, const char *from, const char *to, const char **unit)
{
	const struct unit *fu, *tu, *best;
	size_t i, j;
	double v;

	if (value < 0 && value != INT64_MIN)
		return -unit_scale(-value, from, to, unit);
	for (i = 0; i < sizeof(unit_types) / sizeof(unit_types[0]); i++) {
		const struct unit_type *t = &unit_types[i];

		fu = unit_sniff(t, from);
		if (!fu)
			continue;
		v = (double)value * fu->factor;
		if (strcmp(to, "minimum") == 0 || strcmp(to, "auto") == 0) {
			best = NULL;
			for (j = 0; j < t->n_units; j++) {
				if ((!best || t->units[j].factor >= best->factor) &&
				    v / t->units[j].factor >= 1.0)
					best = &t->units[j];
			}
			tu = best ? best : &t->dflt;
		} else {
			tu = unit_sniff(t, to);
			if (!tu)
				tu = &t->dflt;
		}
		*unit = tu->name;
		return v / tu->factor;
	}
	if (!strcmp(to, "count") || !strcmp(to, "sample") || !strcmp(to, "unit") ||
	    !strcmp(to, "minimum") || !strcmp(to, "auto"))
		*unit = "";
	else
		*unit = to;
	return (double)value;
}

/* pprof's measurement.ScaledLabel: "%.2f" without a ".00", then the unit. */
static void unit_label(char *buf, size_t len, int64_t value, const char *from, const char *to)
{
	const char *unit;
	double v = unit_scale(value, from, to, &unit);
	size_t n;

	snprintf(buf, len, "%.2f", v);
	n = strlen(buf);
	if (n > 3 && strcmp(buf + n - 3, ".00") == 0)
		buf[n - 3] = '\0';
	if (strcmp(buf, "0") == 0 || strcmp(buf, "-0") == 0)
		return;
	snprintf(buf + strlen(buf), len - strlen(buf), "%s", unit);
}

/* pprof's measurement.Percentage. */
static void percentage(char *buf, size_t len, int64_t value, int64_t total)
{
	double ratio = total ? fabs((double)value / (double)total) * 100 : 0;

	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(buf, len, "  100%%");
	else if (ratio >= 1.0)
		snprintf(buf, len, "%5.2f%%", ratio);
	else
		snprintf(buf, len, "%5.2g%%", ratio);
}

struct top_node {
	const char *name;
	char *owned;		/* name, when it had to be formatted */
	int64_t flat, cum;
	size_t last_sample;	/* sample index + 1 that last added to cum */
	bool inline_in, call_in;	/* has incoming inline / ordinary call edges */
};

/* A caller -> callee edge between node numbers, inline if every occurrence was. */
struct top_edge {
	uint32_t caller, callee;
	bool is_inline;
};

struct top_ctx {
	const struct dprofile *p;
	struct top_node *nodes;
	size_t n_nodes, cap_nodes;
	struct htab index;
	struct top_edge *edges;
	size_t n_edges, cap_edges;
	struct htab edge_index;
};

struct node_key {
	const struct top_ctx *t;
	const char *name;
};

static bool node_eq(const void *ctx, uint32_t idx)
{
	const struct node_key *k = ctx;

	return strcmp(k->t->nodes[idx].name, k->name) == 0;
}

/* The number of the node called name, added if new; HTAB_NONE when out of memory. */
static uint32_t top_node(struct top_ctx *t, const char *name, bool copy)
{
	struct node_key k = { t, name };
	uint64_t hash = htab_hash_bytes(0, name, strlen(name));
	uint32_t idx = htab_find(&t->index, hash, node_eq, &k);
	struct top_node *n;

	if (idx != HTAB_NONE)
		return idx;
	if (t->n_nodes == t->cap_nodes) {
		size_t cap = t->cap_nodes ? t->cap_nodes * 2 : 64;

		n = realloc(t->nodes, cap * sizeof(*n));
		if (!n)
			return HTAB_NONE;
		t->nodes = n;
		t->cap_nodes = cap;
	}
	n = &t->nodes[t->n_nodes];
	memset(n, 0, sizeof(*n));
	n->name = name;
	if (copy) {
		n->owned = strdup(name);
		if (!n->owned)
			return HTAB_NONE;
		n->name = n->owned;
	}
	if (htab_insert(&t->index, hash, t->n_nodes)) {
		free(n->owned);
		return HTAB_NONE;
	}
	return t->n_nodes++;
}

struct edge_key {
	const struct top_ctx *t;
	uint32_t caller, callee;
};

static bool edge_eq(const void *ctx, uint32_t idx)
{
	const struct edge_key *k = ctx;

	return k->t->edges[idx].caller == k->caller && k->t->edges[idx].callee == k->callee;
}

/* Records the edge caller -> callee; pprof keeps it inline only if every use was. */
static int top_edge(struct top_ctx *t, uint32_t caller, uint32_t callee, bool is_inline)
{
	struct edge_key k = { t, caller, callee };
	uint64_t hash = htab_hash_u64(htab_hash_u64(3, caller), callee);
	uint32_t idx = htab_find(&t->edge_index, hash, edge_eq, &k);
	struct top_edge *e;

	if (idx != HTAB_NONE) {
		t->edges[idx].is_inline &= is_inline;
		return 0;
	}
	if (t->n_edges == t->cap_edges) {
		size_t cap = t->cap_edges ? t->cap_edges * 2 : 64;

		e = realloc(t->edges, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		t->edges = e;
		t->cap_edges = cap;
	}
	if (htab_insert(&t->edge_index, hash, t->n_edges))
		return -ENOMEM;
	t->edges[t->n_edges++] = (struct top_edge){ caller, callee, is_inline };
	return 0;
}

/*
 * Walking one sample's frames, leaf first: its value, and the frame seen just before
 * (the callee of the current one), which pprof's graph links to it by an edge.
 */
struct top_walk {
	size_t si;
	int64_t v;
	uint32_t callee;	/* HTAB_NONE before the leaf */
	bool callee_inline;	/* the callee is an inlined (not outermost) line */
};

/* Charges one frame: flat for the leaf only, cum once per sample, the edge to its callee. */
static int top_frame(struct top_ctx *t, struct top_walk *w, const char *name, bool copy,
		     bool is_inline)
{
	uint32_t idx = top_node(t, name, copy);
	struct top_node *n;
	int rc;

	if (idx == HTAB_NONE)
		return -ENOMEM;
	n = &t->nodes[idx];
	if (w->callee == HTAB_NONE)
		n->flat += w->v;
	/* Recursion: a function appears once in cum per sample, as in pprof. */
	if (n->last_sample != w->si + 1) {
		n->cum += w->v;
		n->last_sample = w->si + 1;
	}
	if (w->callee != HTAB_NONE && w->callee != idx) {
		rc = top_edge(t, idx, w->callee, w->callee_inline);
		if (rc)
			return rc;
	}
	w->callee = idx;
	w->callee_inline = is_inline;
	return 0;
}

static int top_sample(struct top_ctx *t, size_t si, size_t index)
{
	const struct dprofile *p = t->p;
	const struct dsample *s = &p->samples[si];
	struct top_walk w = { si, s->values[index], HTAB_NONE, false };
	size_t i, j;
	char buf[64];
	int rc;

	/* pprof skips samples that add nothing, so their frames make no nodes. */
	if (w.v == 0)
		return 0;
	for (i = 0; i < s->n_locations; i++) {
		const struct dlocation *l = decode_location(p, s->location_ids[i]);
		const struct dmapping *m;

		for (j = 0; j < l->n_lines; j++) {
			const struct dfunction *fn = decode_function(p, l->lines[j].function_id);

			rc = top_frame(t, &w, fn->name[0] ? fn->name : "<unknown>", false,
				       j + 1 < l->n_lines);
			if (rc)
				return rc;
		}
		if (l->n_lines)
			continue;
		m = decode_mapping(p, l->mapping_id);
		if (m && m->filename[0]) {
			snprintf(buf, sizeof(buf), "[%s]", base_name(m->filename));
			rc = top_frame(t, &w, buf, true, false);
		} else {
			rc = top_frame(t, &w, "<unknown>", false, false);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Marks each node's incoming edges (for "(inline)") before sorting moves the nodes. */
static void top_mark_inline(struct top_ctx *t)
{
	size_t i;

	for (i = 0; i < t->n_edges; i++) {
		struct top_node *n = &t->nodes[t->edges[i].callee];

		if (t->edges[i].is_inline)
			n->inline_in = true;
		else
			n->call_in = true;
	}
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? (int64_t)-(uint64_t)v : v;
}

/* pprof's FlatNameOrder: |flat| descending, then name, then |cum| descending. */
static int top_cmp(const void *a, const void *b)
{
	const struct top_node *x = a, *y = b;
	int c;

	if (abs64(x->flat) != abs64(y->flat))
		return abs64(x->flat) > abs64(y->flat) ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (abs64(x->cum) != abs64(y->cum))
		return abs64(x->cum) > abs64(y->cum) ? -1 : 1;
	return 0;
}

/* pprof's selectOutputUnit for the nodes shown. */
static const char *top_unit(const struct top_ctx *t, size_t shown, int64_t total,
			    const char *sample_unit)
{
	static char unit[32];
	int64_t min = 0, v;
	const char *umin, *umax;
	size_t i;

	for (i = 0; i < shown; i++) {
		v = abs64(t->nodes[i].flat);
		if (!v)
			v = abs64(t->nodes[i].cum);
		if (v > 0 && (min == 0 || v < min))
			min = v;
	}
	if (!shown)
		return sample_unit;
	if (!min)
		min = total;
	unit_scale(min, sample_unit, "minimum", &umin);
	unit_scale(total, sample_unit, "minimum", &umax);
	if (strcmp(umin, umax) != 0 && min < INT64_MAX / 100 && min * 100 < total)
		unit_scale(min * 100, sample_unit, "minimum", &umin);
	snprintf(unit, sizeof(unit), "%s", umin[0] ? umin : sample_unit);
	return unit;
}

/* Go's "Jan 2, 2006 at 3:04pm (MST)" in local time. */
static void top_time(FILE *f, int64_t nanos)
{
	time_t secs = nanos / 1000000000;
	struct tm tm;
	char mon[8], zone[16];
	int hour;

	if (!localtime_r(&secs, &tm))
		return;
	strftime(mon, sizeof(mon), "%b", &tm);
	strftime(zone, sizeof(zone), "%Z", &tm);
	hour = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	fprintf(f, "Time: %s %d, %d at %d:%02d%s (%s)\n", mon, tm.tm_mday, tm.tm_year + 1900,
		hour, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm", zone);
}

static void top_header(FILE *f, const struct top_ctx *t, size_t index, int64_t total,
		       const char *out_unit)
{
	const struct dprofile *p = t->p;
	const char *su = p->sample_types[index].unit, *unit;
	char dur[48], tot[48], pct[64];
	size_t i;
	double ns;

	if (p->n_mappings && p->mappings[0].filename[0])
		fprintf(f, "File: %s\n", base_name(p->mappings[0].filename));
	if (p->n_mappings && p->mappings[0].build_id[0])
		fprintf(f, "Build ID: %s\n", p->mappings[0].build_id);
	for (i = 0; i < p->n_comments; i++) {
		if (p->comments[i][0] != '#')
			fprintf(f, "%s\n", p->comments[i]);
	}
	fprintf(f, "Type: %s\n", p->sample_types[index].type);
	if (p->time_nanos)
		top_time(f, p->time_nanos);
	if (p->duration_nanos) {
		unit_label(dur, sizeof(dur), p->duration_nanos, "nanoseconds", "auto");
		unit_label(tot, sizeof(tot), total, su, out_unit);
		ns = unit_scale(total, su, "nanoseconds", &unit);
		pct[0] = '\0';
		if (strcmp(unit, "ns") == 0 && (int64_t)ns != 0) {
			pct[0] = '(';
			percentage(pct + 1, sizeof(pct) - 2, (int64_t)ns, p->duration_nanos);
			strcat(pct, ")");
		}
		fprintf(f, "Duration: %s, Total samples = %s %s\n", dur, tot, pct);
	}
}

int decode_top(FILE *f, const struct dprofile *p, size_t index, size_t n)
{
	struct top_ctx t = { .p = p };
	char flat[48], cum[48], fp[16], sp[16], cp[16], a[48], b[48];
	const char *su, *ou;
	int64_t total = 0, shown_flat = 0, sum = 0;
	size_t i, shown;
	int rc = 0;

	if (index >= p->n_sample_types)
		return -EINVAL;
	htab_init(&t.index);
	htab_init(&t.edge_index);
	for (i = 0; i < p->n_samples; i++) {
		total += abs64(p->samples[i].values[index]);
		rc = top_sample(&t, i, index);
		if (rc)
			goto out_nodes;
	}
	top_mark_inline(&t);
	if (t.n_nodes > 1)
		qsort(t.nodes, t.n_nodes, sizeof(*t.nodes), top_cmp);
	shown = n && n < t.n_nodes ? n : t.n_nodes;
	su = p->sample_types[index].unit;
	ou = top_unit(&t, shown, total, su);
	for (i = 0; i < shown; i++)
		shown_flat += t.nodes[i].flat;

	top_header(f, &t, index, total, ou);
	unit_label(a, sizeof(a), shown_flat, su, ou);
	unit_label(b, sizeof(b), total, su, ou);
	percentage(fp, sizeof(fp), shown_flat, total);
	fprintf(f, "Showing nodes accounting for %s, %s of %s total\n", a,
		fp + strspn(fp, " "), b);
	if (total && shown < t.n_nodes)
		fprintf(f, "Showing top %zu nodes out of %zu\n", shown, t.n_nodes);
	fprintf(f, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	for (i = 0; i < shown; i++) {
		const struct top_node *nd = &t.nodes[i];

		sum += nd->flat;
		unit_label(flat, sizeof(flat), nd->flat, su, ou);
		unit_label(cum, sizeof(cum), nd->cum, su, ou);
		percentage(fp, sizeof(fp), nd->flat, total);
		percentage(sp, sizeof(sp), sum, total);
		percentage(cp, sizeof(cp), nd->cum, total);
		fprintf(f, "%10s %s %s %10s %s  %s%s\n", flat, fp, sp, cum, cp, nd->name,
			!nd->inline_in ? "" : nd->call_in ? " (partial-inline)" : " (inline)");
	}
	fflush(f);
	if (ferror(f))
		rc = -EIO;
out_nodes:
	for (i = 0; i < t.n_nodes; i++)
		free(t.nodes[i].owned);
	free(t.nodes);
	htab_free(&t.index);
	free(t.edges);
	htab_free(&t.edge_index);
	return rc;
}
