/*
 * encoder_test: unit tests of encoder/ (profile.c, gz.c, decode.c). Profiles are built
 * from fixed samples, serialized (raw and gzip), decoded and compared field by field with
 * what was put in, printing both sides on a mismatch (as Go's proto_test.go checkProfile).
 * Prints "ok - NAME" or "not ok - NAME: DETAIL" per check; exits 1 if any failed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "decode.h"
#include "gz.h"
#include "profile.h"
#include "profile.pb-c.h"
#include "profile_impl.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *out_dir;
static FILE *expect_file;

/* --- reporting ------------------------------------------------------------------------ */

/* Prints text as "# " comment lines (so that the one-line-per-check output stays parsable). */
static void comment_block(const char *title, const char *text)
{
	const char *s = text, *e;

	printf("# %s\n", title);
	while (*s) {
		e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		printf("#   %.*s\n", (int)(e - s), s);
		s = *e ? e + 1 : e;
	}
}

/* decode_print into a malloc'd string (the caller frees it). */
static char *print_to_string(const struct dprofile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return strdup("(open_memstream failed)");
	decode_print(f, p);
	fclose(f);
	return buf;
}

static char *top_to_string(const struct dprofile *p, size_t index, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return strdup("(open_memstream failed)");
	decode_top(f, p, index, n);
	fclose(f);
	return buf;
}

/* --- writing sample files for the shell test ------------------------------------------- */

/* ours / pprof: the error decode.c / go tool pprof -raw must give ("" for none). */
static void save_file(const char *name, const void *buf, size_t n, const char *ours,
		      const char *pprof)
{
	char path[4096];
	FILE *f;

	if (!out_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, n, f) != n) {
		check(false, "save file", "cannot write %s", path);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	if (expect_file)
		fprintf(expect_file, "%s\t%s\t%s\n", name, *ours ? ours : "-", *pprof ? pprof : "-");
}

static void save_profile(const char *name, const struct profile *p)
{
	char file[256];
	uint8_t *buf;
	size_t n;

	if (!out_dir || profile_serialize_gz(p, &buf, &n))
		return;
	snprintf(file, sizeof(file), "%s.pb.gz", name);
	/* pprof reports nothing for a profile without sample types, though it parses it. */
	save_file(file, buf, n, "", p->n_sample_types ? "" : "profile has no samples");
	free(buf);
}

/* --- comparing profiles field by field --------------------------------------------------- */

struct diff {
	char text[4096];
	size_t len;
	int n;
};

static void diff_add(struct diff *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void diff_add(struct diff *d, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (d->n++ >= 8 || d->len + 3 >= sizeof(d->text))
		return;
	if (d->len) {
		memcpy(d->text + d->len, "; ", 3);
		d->len += 2;
	}
	va_start(ap, fmt);
	w = vsnprintf(d->text + d->len, sizeof(d->text) - d->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		d->len += (size_t)w < sizeof(d->text) - d->len ? (size_t)w :
			  sizeof(d->text) - d->len - 1;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

#define CMP_STR(d, what, got, want) do {						\
	if (strcmp(nz(got), nz(want)))							\
		diff_add(d, "%s: got \"%s\" want \"%s\"", what, nz(got), nz(want));	\
} while (0)

#define CMP_INT(d, what, got, want) do {						\
	if ((got) != (want))								\
		diff_add(d, "%s: got %lld want %lld", what, (long long)(got),		\
			 (long long)(want));						\
} while (0)

#define CMP_U64(d, what, got, want) do {						\
	if ((got) != (want))								\
		diff_add(d, "%s: got %#llx want %#llx", what,				\
			 (unsigned long long)(got), (unsigned long long)(want));	\
} while (0)

static void cmp_header(struct diff *d, const struct dprofile *got, const struct dprofile *want)
{
	size_t i;

	CMP_INT(d, "time_nanos", got->time_nanos, want->time_nanos);
	CMP_INT(d, "duration_nanos", got->duration_nanos, want->duration_nanos);
	CMP_INT(d, "period", got->period, want->period);
	CMP_STR(d, "period_type.type", got->period_type.type, want->period_type.type);
	CMP_STR(d, "period_type.unit", got->period_type.unit, want->period_type.unit);
	CMP_STR(d, "default_sample_type", got->default_sample_type, want->default_sample_type);
	CMP_STR(d, "drop_frames", got->drop_frames, want->drop_frames);
	CMP_STR(d, "keep_frames", got->keep_frames, want->keep_frames);
	CMP_STR(d, "doc_url", got->doc_url, want->doc_url);
	CMP_INT(d, "n_comments", got->n_comments, want->n_comments);
	for (i = 0; i < got->n_comments && i < want->n_comments; i++)
		CMP_STR(d, "comment", got->comments[i], want->comments[i]);
	CMP_INT(d, "n_sample_types", got->n_sample_types, want->n_sample_types);
	for (i = 0; i < got->n_sample_types && i < want->n_sample_types; i++) {
		CMP_STR(d, "sample_type.type", got->sample_types[i].type, want->sample_types[i].type);
		CMP_STR(d, "sample_type.unit", got->sample_types[i].unit, want->sample_types[i].unit);
	}
}

static void cmp_samples(struct diff *d, const struct dprofile *got, const struct dprofile *want)
{
	size_t i, j;
	char what[64];

	CMP_INT(d, "n_samples", got->n_samples, want->n_samples);
	for (i = 0; i < got->n_samples && i < want->n_samples; i++) {
		const struct dsample *g = &got->samples[i], *w = &want->samples[i];

		snprintf(what, sizeof(what), "sample[%zu]", i);
		CMP_INT(d, what, g->n_locations, w->n_locations);
		for (j = 0; j < g->n_locations && j < w->n_locations; j++)
			CMP_U64(d, what, g->location_ids[j], w->location_ids[j]);
		for (j = 0; j < got->n_sample_types && j < want->n_sample_types; j++)
			CMP_INT(d, what, g->values[j], w->values[j]);
		CMP_INT(d, what, g->n_labels, w->n_labels);
		for (j = 0; j < g->n_labels && j < w->n_labels; j++) {
			const struct dlabel *gl = &g->labels[j], *wl = &w->labels[j];

			CMP_STR(d, "label.key", gl->key, wl->key);
			if (!gl->str != !wl->str)
				diff_add(d, "label %s: got %s want %s", wl->key,
					 gl->str ? "string" : "numeric", wl->str ? "string" : "numeric");
			else if (gl->str)
				CMP_STR(d, "label.str", gl->str, wl->str);
			CMP_INT(d, "label.num", gl->num, wl->num);
			CMP_STR(d, "label.num_unit", gl->num_unit, wl->num_unit);
		}
	}
}

static void cmp_tables(struct diff *d, const struct dprofile *got, const struct dprofile *want)
{
	size_t i, j;

	CMP_INT(d, "n_locations", got->n_locations, want->n_locations);
	for (i = 0; i < got->n_locations && i < want->n_locations; i++) {
		const struct dlocation *g = &got->locations[i], *w = &want->locations[i];

		CMP_U64(d, "location.id", g->id, w->id);
		CMP_U64(d, "location.mapping_id", g->mapping_id, w->mapping_id);
		CMP_U64(d, "location.address", g->address, w->address);
		CMP_INT(d, "location.is_folded", g->is_folded, w->is_folded);
		CMP_INT(d, "location.n_lines", g->n_lines, w->n_lines);
		for (j = 0; j < g->n_lines && j < w->n_lines; j++) {
			CMP_U64(d, "line.function_id", g->lines[j].function_id,
				w->lines[j].function_id);
			CMP_INT(d, "line.line", g->lines[j].line, w->lines[j].line);
			CMP_INT(d, "line.column", g->lines[j].column, w->lines[j].column);
		}
	}
	CMP_INT(d, "n_functions", got->n_functions, want->n_functions);
	for (i = 0; i < got->n_functions && i < want->n_functions; i++) {
		const struct dfunction *g = &got->functions[i], *w = &want->functions[i];

		CMP_U64(d, "function.id", g->id, w->id);
		CMP_STR(d, "function.name", g->name, w->name);
		CMP_STR(d, "function.system_name", g->system_name, w->system_name);
		CMP_STR(d, "function.filename", g->filename, w->filename);
		CMP_INT(d, "function.start_line", g->start_line, w->start_line);
	}
	CMP_INT(d, "n_mappings", got->n_mappings, want->n_mappings);
	for (i = 0; i < got->n_mappings && i < want->n_mappings; i++) {
		const struct dmapping *g = &got->mappings[i], *w = &want->mappings[i];

		CMP_U64(d, "mapping.id", g->id, w->id);
		CMP_U64(d, "mapping.memory_start", g->memory_start, w->memory_start);
		CMP_U64(d, "mapping.memory_limit", g->memory_limit, w->memory_limit);
		CMP_U64(d, "mapping.file_offset", g->file_offset, w->file_offset);
		CMP_STR(d, "mapping.filename", g->filename, w->filename);
		CMP_STR(d, "mapping.build_id", g->build_id, w->build_id);
		CMP_INT(d, "mapping.has_functions", g->has_functions, w->has_functions);
		CMP_INT(d, "mapping.has_filenames", g->has_filenames, w->has_filenames);
		CMP_INT(d, "mapping.has_line_numbers", g->has_line_numbers, w->has_line_numbers);
		CMP_INT(d, "mapping.has_inline_frames", g->has_inline_frames,
			w->has_inline_frames);
	}
}

/* Compares every field; on a mismatch prints both profiles in decode_print form. */
static void check_profile(const char *name, const struct dprofile *got,
			  const struct dprofile *want)
{
	struct diff d = { .len = 0 };
	char *g, *w;

	cmp_header(&d, got, want);
	cmp_samples(&d, got, want);
	cmp_tables(&d, got, want);
	check(d.n == 0, name, "%d differences: %s", d.n, d.text);
	if (d.n == 0)
		return;
	g = print_to_string(got);
	w = print_to_string(want);
	comment_block("got:", g);
	comment_block("want:", w);
	free(g);
	free(w);
}

/*
 * Serializes p (gzipped or not), decodes it back and returns the decoded profile, or
 * NULL after reporting a failure under name.
 */
static struct dprofile *roundtrip(const char *name, const struct profile *p, bool gz)
{
	struct dprofile *d;
	uint8_t *buf;
	size_t n;
	char err[256];
	int rc;

	rc = gz ? profile_serialize_gz(p, &buf, &n) : profile_serialize(p, &buf, &n);
	if (rc) {
		check(false, name, "serialize: %s", strerror(-rc));
		return NULL;
	}
	rc = decode_profile(buf, n, &d, err, sizeof(err));
	free(buf);
	if (rc) {
		check(false, name, "decode: %s", err);
		return NULL;
	}
	return d;
}

/* Decodes buf and checks that it fails with a reason that contains want. */
static void check_rejected(const char *name, const void *buf, size_t n, const char *want)
{
	struct dprofile *d = NULL;
	char err[256], file[128], theirs[256];
	size_t i;
	int rc;

	rc = decode_profile(buf, n, &d, err, sizeof(err));
	if (rc == 0) {
		check(false, name, "decoded, want error \"%s\"", want);
		decode_free(d);
		return;
	}
	check(rc == -EINVAL && strstr(err, want) && d == NULL, name,
	      "rc %d err \"%s\", want -EINVAL and \"%s\"", rc, err, want);
	snprintf(file, sizeof(file), "bad-%s.pb", name);
	for (i = 4; file[i] && strcmp(file + i, ".pb"); i++) {
		if (!isalnum((unsigned char)file[i]))
			file[i] = '-';
	}
	/* pprof says only "unrecognized profile format", without decode.c's detail */
	snprintf(theirs, sizeof(theirs), "%s", want);
	if (strstr(theirs, " ("))
		*strstr(theirs, " (") = '\0';
	save_file(file, buf, n, want, theirs);
}

/* --- the fixed profiles ------------------------------------------------------------------ */

/*
 * A CPU profile like Go's: two sample types, four distinct stacks (one with an inlined
 * frame, one unsymbolized libc frame, one recursive), string labels, two merged samples.
 */
static struct profile *make_cpu(void)
{
	struct profile *p = profile_new();
	struct profile_mapping exe = {
		.memory_start = 0x400000, .memory_limit = 0x47a000, .file_offset = 0x1000,
		.filename = "/usr/local/bin/demo", .build_id = "4f3c2a1b0e9d8c7b",
		.has_functions = true, .has_filenames = true, .has_line_numbers = true,
		.has_inline_frames = true,
	};
	struct profile_mapping libc = {
		.memory_start = 0x7f1200028000, .memory_limit = 0x7f120017d000,
		.file_offset = 0x28000, .filename = "/lib/x86_64-linux-gnu/libc.so.6",
		.build_id = "c1d2e3f4",
	};
	uint64_t m1, m2, fmain, fwork, fhot, finl, lmain, lwork, lhot, llibc;
	struct profile_line lines[2];
	struct profile_label alpha = { .key = "worker", .str = "alpha" };
	struct profile_label beta = { .key = "worker", .str = "beta" };
	int64_t v3[] = { 3, 30000000 }, v1[] = { 1, 10000000 }, v2[] = { 2, 20000000 };

	if (!p)
		return NULL;
	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	profile_set_period(p, "cpu", "nanoseconds", 10000000);
	profile_set_time(p, 1700000000123456789LL, 2500000000LL);
	m1 = profile_add_mapping(p, &exe);
	m2 = profile_add_mapping(p, &libc);
	fmain = profile_add_function(p, "main", "main", "demo.c", 10);
	fwork = profile_add_function(p, "work", "work", "demo.c", 20);
	fhot = profile_add_function(p, "hot_loop", "hot_loop", "demo.c", 30);
	finl = profile_add_function(p, "inlined_add", "inlined_add", "util.h", 5);
	lines[0] = (struct profile_line){ fmain, 14, 0 };
	lmain = profile_add_location(p, m1, 0x400123, lines, 1);
	lines[0] = (struct profile_line){ fwork, 25, 0 };
	lwork = profile_add_location(p, m1, 0x400234, lines, 1);
	lines[0] = (struct profile_line){ finl, 7, 0 };
	lines[1] = (struct profile_line){ fhot, 33, 0 };
	lhot = profile_add_location(p, m1, 0x400345, lines, 2);
	llibc = profile_add_location(p, m2, 0x7f1200031234, NULL, 0);
	{
		uint64_t s1[] = { lhot, lwork, lmain };
		uint64_t s2[] = { llibc, lwork, lmain };
		uint64_t s3[] = { lwork, lwork, lmain };

		profile_add_sample(p, s1, 3, v3, &alpha, 1);
		profile_add_sample(p, s1, 3, v1, &beta, 1);
		profile_add_sample(p, s2, 3, v2, NULL, 0);
		profile_add_sample(p, s1, 3, v2, &alpha, 1);
		profile_add_sample(p, s3, 3, v1, NULL, 0);
	}
	return p;
}

/* What make_cpu must decode to. */
static void test_cpu_fields(void)
{
	static const struct dvaluetype st[] = { { "samples", "count" }, { "cpu", "nanoseconds" } };
	static uint64_t l1[] = { 3, 2, 1 }, l2[] = { 4, 2, 1 }, l3[] = { 2, 2, 1 };
	static int64_t v1[] = { 5, 50000000 }, v2[] = { 1, 10000000 }, v3[] = { 2, 20000000 },
		       v4[] = { 1, 10000000 };
	static struct dlabel alpha = { "worker", "alpha", 0, "" }, beta = { "worker", "beta", 0, "" };
	static struct dsample s[] = {
		{ l1, 3, v1, &alpha, 1 }, { l1, 3, v2, &beta, 1 },
		{ l2, 3, v3, NULL, 0 }, { l3, 3, v4, NULL, 0 },
	};
	static struct dline ln1[] = { { 1, 14, 0 } }, ln2[] = { { 2, 25, 0 } },
			    ln3[] = { { 4, 7, 0 }, { 3, 33, 0 } };
	static struct dlocation loc[] = {
		{ 1, 1, 0x400123, ln1, 1, false }, { 2, 1, 0x400234, ln2, 1, false },
		{ 3, 1, 0x400345, ln3, 2, false }, { 4, 2, 0x7f1200031234, NULL, 0, false },
	};
	static struct dfunction fn[] = {
		{ 1, "main", "main", "demo.c", 10 }, { 2, "work", "work", "demo.c", 20 },
		{ 3, "hot_loop", "hot_loop", "demo.c", 30 },
		{ 4, "inlined_add", "inlined_add", "util.h", 5 },
	};
	static struct dmapping map[] = {
		{ 1, 0x400000, 0x47a000, 0x1000, "/usr/local/bin/demo", "4f3c2a1b0e9d8c7b",
		  true, true, true, true },
		{ 2, 0x7f1200028000, 0x7f120017d000, 0x28000, "/lib/x86_64-linux-gnu/libc.so.6",
		  "c1d2e3f4", false, false, false, false },
	};
	struct dprofile want = {
		.sample_types = (struct dvaluetype *)st, .n_sample_types = 2,
		.samples = s, .n_samples = 4, .mappings = map, .n_mappings = 2,
		.locations = loc, .n_locations = 4, .functions = fn, .n_functions = 4,
		.drop_frames = "", .keep_frames = "", .time_nanos = 1700000000123456789LL,
		.duration_nanos = 2500000000LL, .period_type = { "cpu", "nanoseconds" },
		.period = 10000000, .default_sample_type = "", .doc_url = "",
	};
	struct profile *p = make_cpu();
	struct dprofile *d;

	d = roundtrip("cpu profile raw", p, false);
	if (d)
		check_profile("cpu profile raw", d, &want);
	decode_free(d);
	d = roundtrip("cpu profile gzip", p, true);
	if (d) {
		check_profile("cpu profile gzip", d, &want);
		check(decode_default_index(d) == 1, "cpu default index is the last type", "got %zu",
		      decode_default_index(d));
		check(decode_total(d, 1) == 90000000, "cpu total", "got %lld",
		      (long long)decode_total(d, 1));
	}
	decode_free(d);
	save_profile("cpu", p);
	profile_free(p);
}

/* A heap profile: four types, default alloc_space, numeric labels, comments, drop_frames. */
static struct profile *make_heap(void)
{
	struct profile *p = profile_new();
	struct profile_mapping exe = {
		.memory_start = 0x555555554000, .memory_limit = 0x555555559000,
		.file_offset = 0x1000, .filename = "/opt/app/server", .build_id = "00ff",
		.has_functions = true,
	};
	uint64_t m, fm, fa, fb, lm, la, lb;
	struct profile_line ln;
	struct profile_label big[] = {
		{ .key = "bytes", .num = 4096 },
		{ .key = "request", .str = "GET /index" },
		{ .key = "span", .num = 1500, .num_unit = "nanoseconds" },
	};
	struct profile_label small = { .key = "bytes", .num = 32 };
	int64_t v1[] = { 10, 40960, 2, 8192 }, v2[] = { 100, 3200, 0, 0 };

	if (!p)
		return NULL;
	profile_add_sample_type(p, "alloc_objects", "count");
	profile_add_sample_type(p, "alloc_space", "bytes");
	profile_add_sample_type(p, "inuse_objects", "count");
	profile_add_sample_type(p, "inuse_space", "bytes");
	profile_set_default_sample_type(p, "alloc_space");
	profile_set_period(p, "space", "bytes", 524288);
	profile_set_time(p, 1700000001000000000LL, 0);
	profile_add_comment(p, "cprof heap profile");
	profile_add_comment(p, "# not in report headers");
	profile_set_drop_frames(p, "malloc|calloc|realloc|free");
	profile_set_keep_frames(p, "keep_me");
	m = profile_add_mapping(p, &exe);
	fm = profile_add_function(p, "main", "main", "server.c", 0);
	fa = profile_add_function(p, "alloc_buffer", "_Z12alloc_bufferm", "buf.cc", 0);
	fb = profile_add_function(p, "alloc_small", "alloc_small", "", 0);
	ln = (struct profile_line){ fm, 50, 0 };
	lm = profile_add_location(p, m, 0x555555555100, &ln, 1);
	ln = (struct profile_line){ fa, 12, 0 };
	la = profile_add_location(p, m, 0x555555555200, &ln, 1);
	ln = (struct profile_line){ fb, 0, 0 };
	lb = profile_add_location(p, m, 0x555555555300, &ln, 1);
	{
		uint64_t s1[] = { la, lm }, s2[] = { lb, lm };

		profile_add_sample(p, s1, 2, v1, big, ARRAY_LEN(big));
		profile_add_sample(p, s2, 2, v2, &small, 1);
	}
	return p;
}

/*
 * Edge values: INT64 extremes and negative values (10-byte varints), addresses at the
 * top of the address space, locations without lines or mapping, synthetic address-0
 * frames, a column, doc_url.
 */
static struct profile *make_edge(void)
{
	struct profile *p = profile_new();
	struct profile_mapping top = {
		.memory_start = 0xffffffffff600000ULL, .memory_limit = UINT64_MAX,
		.file_offset = UINT64_MAX - 1, .filename = "[vsyscall]",
	};
	struct profile_mapping anon = { .memory_start = 0x1000, .memory_limit = 0x2000 };
	uint64_t m1, m2, flost, fneg, l1, l2, l3, l4;
	struct profile_line ln;
	struct profile_label labels[] = {
		{ .key = "neg", .num = -1, .num_unit = "count" },
		{ .key = "max", .num = INT64_MAX },
		{ .key = "min", .num = INT64_MIN, .num_unit = "bytes" },
	};
	int64_t v1[] = { INT64_MAX, INT64_MIN }, v2[] = { -1, -123456789 }, v3[] = { 0, 0 };

	if (!p)
		return NULL;
	profile_add_sample_type(p, "delta", "count");
	profile_add_sample_type(p, "delay", "nanoseconds");
	profile_set_period(p, "contentions", "count", INT64_MIN);
	profile_set_time(p, INT64_MAX, -1);
	profile_set_doc_url(p, "https://example.com/cprof/edge");
	m1 = profile_add_mapping(p, &top);
	m2 = profile_add_mapping(p, &anon);
	flost = profile_add_function(p, "[lost]", "", "", 0);
	fneg = profile_add_function(p, "negative_line", "negative_line", "neg.c", INT64_MIN);
	ln = (struct profile_line){ flost, 0, 0 };
	l1 = profile_add_location(p, 0, 0, &ln, 1);
	ln = (struct profile_line){ fneg, -5, 77 };
	l2 = profile_add_location(p, m1, UINT64_MAX, &ln, 1);
	l3 = profile_add_location(p, m2, 0x1234, NULL, 0);
	l4 = profile_add_location(p, 0, 0xdeadbeef, NULL, 0);
	{
		uint64_t s1[] = { l1 }, s2[] = { l2, l3, l4 }, s3[] = { l4 };

		profile_add_sample(p, s1, 1, v1, labels, ARRAY_LEN(labels));
		profile_add_sample(p, s2, 3, v2, NULL, 0);
		profile_add_sample(p, s3, 1, v3, NULL, 0);
	}
	return p;
}

/* --- golden files ------------------------------------------------------------------------- */

static void golden_print(const char *file, const char *fn, struct profile *p)
{
	char how[512];
	struct dprofile *d = roundtrip(file, p, true);
	char *text;

	if (!d)
		return;
	snprintf(how, sizeof(how),
		 "# made by tests/unit/encoder_test.c: decode_print of %s() after a gzip round trip"
		 " (CPROF_UPDATE_GOLDEN=1 build/tests/unit/encoder_test rewrites it)", fn);
	text = print_to_string(d);
	check_golden(file, how, text);
	free(text);
	decode_free(d);
}

static void test_golden(void)
{
	struct profile *cpu = make_cpu(), *heap = make_heap(), *edge = make_edge();
	struct dprofile *d;
	char *text;

	golden_print("print_cpu.txt", "make_cpu", cpu);
	golden_print("print_heap.txt", "make_heap", heap);
	golden_print("print_edge.txt", "make_edge", edge);
	d = roundtrip("top_cpu.txt", cpu, false);
	if (d) {
		text = top_to_string(d, 1, 0);
		check_golden("top_cpu.txt",
			     "# made by tests/unit/encoder_test.c: decode_top(index 1, all nodes) of"
			     " make_cpu(), TZ=UTC (CPROF_UPDATE_GOLDEN=1 rewrites it)", text);
		free(text);
		decode_free(d);
	}
	d = roundtrip("top_heap.txt", heap, false);
	if (d) {
		text = top_to_string(d, decode_default_index(d), 0);
		check_golden("top_heap.txt",
			     "# made by tests/unit/encoder_test.c: decode_top(default index, all"
			     " nodes) of make_heap(), TZ=UTC (CPROF_UPDATE_GOLDEN=1 rewrites it)",
			     text);
		free(text);
		decode_free(d);
	}
	save_profile("heap", heap);
	save_profile("edge", edge);
	profile_free(cpu);
	profile_free(heap);
	profile_free(edge);
}

/* --- builder behaviour --------------------------------------------------------------------- */

static void test_empty(void)
{
	struct profile *p = profile_new();
	struct dprofile *d;
	uint8_t *buf;
	size_t n;
	int rc;

	rc = profile_serialize(p, &buf, &n);
	/* Field 6 (string_table), wire type 2, length 0: the "" entry, and nothing else. */
	check(rc == 0 && n == 2 && buf[0] == 0x32 && buf[1] == 0x00, "empty profile bytes",
	      "rc %d n %zu", rc, n);
	if (rc == 0)
		free(buf);
	d = roundtrip("empty profile", p, true);
	if (d) {
		check(d->n_strings == 1 && d->n_samples == 0 && d->n_sample_types == 0 &&
		      d->n_locations == 0 && d->n_mappings == 0 && d->n_functions == 0,
		      "empty profile decodes", "strings %zu samples %zu", d->n_strings,
		      d->n_samples);
		decode_free(d);
	}
	save_profile("empty", p);
	profile_free(p);

	/* Sample types and a period but no samples, as a just-started profile is. */
	p = profile_new();
	profile_add_sample_type(p, "contentions", "count");
	profile_add_sample_type(p, "delay", "nanoseconds");
	profile_set_period(p, "contentions", "count", 1);
	profile_set_time(p, 1700000000000000000LL, 0);
	d = roundtrip("empty mutex profile", p, false);
	if (d) {
		check(d->n_samples == 0 && d->n_sample_types == 2 && d->period == 1 &&
		      !strcmp(d->period_type.type, "contentions") &&
		      decode_total(d, 1) == 0, "empty mutex profile decodes", "samples %zu",
		      d->n_samples);
		decode_free(d);
	}
	save_profile("empty-mutex", p);
	profile_free(p);
}

static void test_labels(void)
{
	struct profile *p = profile_new();
	struct profile_line ln;
	uint64_t f, l;
	int64_t v = 1;
	struct profile_label all[] = {
		{ .key = "str", .str = "value" },
		{ .key = "empty_str", .str = "" },		/* dropped */
		{ .key = "zero_nounit", .num = 0 },		/* dropped */
		{ .key = "zero_emptyunit", .num = 0, .num_unit = "" },	/* dropped */
		{ .key = "zero_unit", .num = 0, .num_unit = "bytes" },
		{ .key = "num", .num = 42 },
		{ .key = "num_unit", .num = -7, .num_unit = "requests" },
		{ .key = "str", .str = "second" },		/* repeated key: kept */
	};
	struct profile_label only_dropped[] = {
		{ .key = "a", .str = "" }, { .key = "b", .num = 0 },
	};
	struct profile_label null_key = { .key = NULL, .str = "x" };
	struct dprofile *d;
	size_t i;
	int rc;

	profile_add_sample_type(p, "events", "count");
	f = profile_add_function(p, "labelled", "labelled", "l.c", 1);
	ln = (struct profile_line){ f, 2, 0 };
	l = profile_add_location(p, 0, 0x10, &ln, 1);
	rc = profile_add_sample(p, &l, 1, &v, all, ARRAY_LEN(all));
	check(rc == 0, "labels: add", "rc %d", rc);
	/* Dropped labels leave the empty set, so this merges with a label-less sample. */
	profile_add_sample(p, &l, 1, &v, only_dropped, ARRAY_LEN(only_dropped));
	profile_add_sample(p, &l, 1, &v, NULL, 0);
	rc = profile_add_sample(p, &l, 1, &v, &null_key, 1);
	check(rc == -EINVAL, "labels: NULL key rejected", "rc %d", rc);
	check(profile_n_samples(p) == 2, "labels: dropped labels merge with none", "samples %zu",
	      profile_n_samples(p));
	d = roundtrip("labels", p, true);
	if (!d) {
		profile_free(p);
		return;
	}
	{
		const struct dsample *s = &d->samples[0];
		bool seen[5] = { false };

		check(s->n_labels == 5, "labels: five kept", "got %zu", s->n_labels);
		for (i = 0; i < s->n_labels; i++) {
			const struct dlabel *lb = &s->labels[i];

			if (!strcmp(lb->key, "str") && lb->str && !strcmp(lb->str, "value"))
				seen[0] = true;
			if (!strcmp(lb->key, "str") && lb->str && !strcmp(lb->str, "second"))
				seen[1] = true;
			if (!strcmp(lb->key, "zero_unit") && !lb->str && lb->num == 0 &&
			    !strcmp(lb->num_unit, "bytes"))
				seen[2] = true;
			if (!strcmp(lb->key, "num") && !lb->str && lb->num == 42 &&
			    !strcmp(lb->num_unit, ""))
				seen[3] = true;
			if (!strcmp(lb->key, "num_unit") && !lb->str && lb->num == -7 &&
			    !strcmp(lb->num_unit, "requests"))
				seen[4] = true;
		}
		check(seen[0] && seen[1] && seen[2] && seen[3] && seen[4],
		      "labels: string, numeric, units, repeated key", "%d%d%d%d%d", seen[0],
		      seen[1], seen[2], seen[3], seen[4]);
		check(d->samples[1].n_labels == 0 && d->samples[1].values[0] == 2,
		      "labels: label-less sample merged", "labels %zu value %lld",
		      d->samples[1].n_labels, (long long)d->samples[1].values[0]);
	}
	decode_free(d);
	save_profile("labels", p);
	profile_free(p);
}

static void test_merge_and_dedup(void)
{
	struct profile *p = profile_new();
	struct profile_line ln[2];
	uint64_t f1, f1b, f2, f3, la, lb, lc, ld, le, lf, m;
	struct profile_mapping map = { .memory_start = 0x1000, .memory_limit = 0x9000 };
	struct profile_label ab[] = { { .key = "a", .str = "1" }, { .key = "b", .num = 2 } };
	struct profile_label ba[] = { { .key = "b", .num = 2 }, { .key = "a", .str = "1" } };
	struct profile_label b3[] = { { .key = "b", .num = 3 }, { .key = "a", .str = "1" } };
	int64_t v[] = { 1, 10 }, w[] = { 2, -3 };
	struct dprofile *d;

	profile_add_sample_type(p, "n", "count");
	profile_add_sample_type(p, "t", "nanoseconds");
	m = profile_add_mapping(p, &map);
	f1 = profile_add_function(p, "f", "f", "f.c", 1);
	f1b = profile_add_function(p, "f", "f", "f.c", 1);
	f2 = profile_add_function(p, "f", "f", "f.c", 2);
	f3 = profile_add_function(p, "f", "_Z1fv", "f.c", 1);
	check(f1 == 1 && f1b == f1 && f2 == 2 && f3 == 3, "function dedup",
	      "ids %llu %llu %llu %llu", (unsigned long long)f1, (unsigned long long)f1b,
	      (unsigned long long)f2, (unsigned long long)f3);
	check(profile_add_function(p, NULL, NULL, NULL, 0) == 4 &&
	      profile_add_function(p, "", "", "", 0) == 4, "function NULL strings are \"\"",
	      "not deduplicated");

	ln[0] = (struct profile_line){ f1, 10, 0 };
	ln[1] = (struct profile_line){ f2, 20, 0 };
	la = profile_add_location(p, m, 0x1100, ln, 1);
	lb = profile_add_location(p, m, 0x1100, ln + 1, 1);	/* same address: same location */
	lc = profile_add_location(p, 0, 0x1100, ln, 1);	/* other mapping: new */
	ld = profile_add_location(p, 0, 0, ln, 2);	/* address 0: by lines */
	le = profile_add_location(p, 0, 0, ln, 2);
	lf = profile_add_location(p, 0, 0, ln, 1);
	check(la == 1 && lb == la && lc == 2 && ld == 3 && le == ld && lf == 4, "location dedup",
	      "ids %llu %llu %llu %llu %llu %llu", (unsigned long long)la,
	      (unsigned long long)lb, (unsigned long long)lc, (unsigned long long)ld,
	      (unsigned long long)le, (unsigned long long)lf);
	ln[0].function_id = 99;
	check(profile_add_location(p, m, 0x2000, ln, 1) == 0, "location with unknown function",
	      "accepted");
	ln[0].function_id = f1;
	check(profile_add_location(p, 7, 0x2000, ln, 1) == 0, "location with unknown mapping",
	      "accepted");
	check(profile_n_locations(p) == 4, "location count", "got %zu", profile_n_locations(p));

	{
		uint64_t s1[] = { la, lc }, s2[] = { lc, la }, bad[] = { la, 77 };

		profile_add_sample(p, s1, 2, v, ab, 2);
		profile_add_sample(p, s1, 2, w, ba, 2);	/* same set, other order: merged */
		profile_add_sample(p, s1, 2, v, b3, 2);	/* other label value */
		profile_add_sample(p, s2, 2, v, ab, 2);	/* other order of frames */
		profile_add_sample(p, s1, 2, v, NULL, 0);
		check(profile_n_samples(p) == 4, "sample merging", "got %zu samples",
		      profile_n_samples(p));
		check(profile_add_sample(p, bad, 2, v, NULL, 0) == -EINVAL,
		      "sample with unknown location", "accepted");
		check(profile_add_sample(p, s1, 0, v, NULL, 0) == -EINVAL,
		      "sample without locations", "accepted");
		check(profile_add_sample_type(p, "late", "count") == -EINVAL,
		      "sample type after samples", "accepted");
		check(profile_set_default_sample_type(p, "nope") == -EINVAL &&
		      profile_set_default_sample_type(p, "n") == 0, "default sample type lookup",
		      "wrong");
	}
	d = roundtrip("merge", p, false);
	if (d) {
		check(d->n_samples == 4 && d->samples[0].values[0] == 3 &&
		      d->samples[0].values[1] == 7 && d->samples[0].n_labels == 2,
		      "merged values summed", "n %zu v %lld %lld", d->n_samples,
		      (long long)d->samples[0].values[0], (long long)d->samples[0].values[1]);
		check(decode_default_index(d) == 0 && !strcmp(d->default_sample_type, "n"),
		      "default_sample_type round trip", "got %zu '%s'", decode_default_index(d),
		      d->default_sample_type);
		decode_free(d);
	}
	{
		struct profile *q = profile_new();
		int64_t one = 1;
		uint64_t fl, ll;

		check(profile_add_sample(q, &la, 1, &one, NULL, 0) == -EINVAL,
		      "sample without sample types", "accepted");
		profile_free(q);
		/* Value overflow wraps as Go's int64 does. */
		q = profile_new();
		profile_add_sample_type(q, "n", "count");
		fl = profile_add_function(q, "x", "x", "", 0);
		ln[0] = (struct profile_line){ fl, 1, 0 };
		ll = profile_add_location(q, 0, 1, ln, 1);
		one = INT64_MAX;
		profile_add_sample(q, &ll, 1, &one, NULL, 0);
		one = 1;
		profile_add_sample(q, &ll, 1, &one, NULL, 0);
		check(q->sample_values[0] == INT64_MIN, "value overflow wraps", "got %lld",
		      (long long)q->sample_values[0]);
		profile_free(q);
	}
	profile_free(p);
}

/* What profile_impl.h promises a legacy writer. */
static void test_impl_invariants(void)
{
	struct profile *p = make_cpu();
	bool ok = true;
	size_t i, j;

	ok = ok && p->n_strs > 0 && p->strs[0][0] == '\0';
	for (i = 0; i < p->n_samples; i++) {
		const struct profile_smp *s = &p->samples[i];

		ok = ok && s->n_locs > 0;
		for (j = 0; j < s->n_locs; j++)
			ok = ok && p->sample_locs[s->loc_off + j] >= 1 &&
			     p->sample_locs[s->loc_off + j] <= p->n_locations;
		for (j = 1; j < s->n_labels; j++)
			ok = ok && p->labels[s->label_off + j - 1].key_str <=
				   p->labels[s->label_off + j].key_str;
	}
	for (i = 0; i < p->n_locations; i++) {
		const struct profile_loc *l = &p->locations[i];

		ok = ok && l->mapping_id <= p->n_mappings;
		for (j = 0; j < l->n_lines; j++)
			ok = ok && p->lines[l->line_off + j].function_id >= 1 &&
			     p->lines[l->line_off + j].function_id <= p->n_functions;
	}
	ok = ok && !strcmp(profile_str(p, p->sample_types[1].type_str), "cpu") &&
	     p->sample_values[1] == 50000000;
	check(ok, "profile_impl.h invariants", "violated");
	profile_free(p);
}

/* --- sizes ------------------------------------------------------------------------------ */

static void test_many_mappings(void)
{
	struct profile *p = profile_new();
	struct profile_mapping m = { 0 };
	struct profile_line ln;
	char name[64], build[64];
	uint64_t id, f, l;
	int64_t v = 1;
	struct dprofile *d;
	bool ok = true;
	size_t i;

	profile_add_sample_type(p, "samples", "count");
	f = profile_add_function(p, "f", "f", "", 0);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "/usr/lib/libmany%zu.so", i);
		snprintf(build, sizeof(build), "%032zx", i * 7919);
		m.memory_start = 0x7f0000000000ULL + i * 0x100000;
		m.memory_limit = m.memory_start + 0x80000;
		m.file_offset = i * 0x1000;
		m.filename = name;
		m.build_id = build;
		m.has_functions = i & 1;
		id = profile_add_mapping(p, &m);
		ok = ok && id == i + 1;
		ln = (struct profile_line){ f, (int64_t)i, 0 };
		l = profile_add_location(p, id, m.memory_start + 0x10, &ln, 1);
		ok = ok && profile_add_sample(p, &l, 1, &v, NULL, 0) == 0;
	}
	check(ok, "1000 mappings: build", "failed");
	d = roundtrip("1000 mappings", p, true);
	if (d) {
		ok = d->n_mappings == 1000 && d->n_locations == 1000 && d->n_samples == 1000;
		for (i = 0; ok && i < 1000; i++) {
			const struct dmapping *dm = decode_mapping(d, i + 1);

			snprintf(name, sizeof(name), "/usr/lib/libmany%zu.so", i);
			snprintf(build, sizeof(build), "%032zx", i * 7919);
			ok = dm && dm->memory_start == 0x7f0000000000ULL + i * 0x100000 &&
			     dm->file_offset == i * 0x1000 && !strcmp(dm->filename, name) &&
			     !strcmp(dm->build_id, build) && dm->has_functions == (i & 1) &&
			     decode_location(d, i + 1)->mapping_id == i + 1;
		}
		check(ok, "1000 mappings: decoded", "mapping %zu differs", i);
		decode_free(d);
	}
	profile_free(p);
}

/* True if top (decode_top output) has a row for name with these flat and cum columns. */
static bool top_row_is(const char *top, const char *name, const char *flat, const char *cum)
{
	char f[32], fp[32], sp[32], c[32], cp[32], n[256];
	const char *line = top;

	while (line && *line) {
		if (sscanf(line, "%31s %31s %31s %31s %31s %255[^\n]", f, fp, sp, c, cp, n) == 6 &&
		    !strcmp(n, name))
			return !strcmp(f, flat) && !strcmp(c, cum);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

static void test_deep_stack(void)
{
	enum { DEPTH = 2000 };
	struct profile *p = profile_new();
	uint64_t *locs = calloc(DEPTH, sizeof(*locs)), fa, fb, la, lb;
	struct profile_line ln;
	int64_t v[] = { 1, 7 };
	char name[32], *top;
	struct dprofile *d;
	bool ok = true;
	size_t i;

	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	for (i = 0; i < DEPTH; i++) {
		snprintf(name, sizeof(name), "frame%zu", i);
		ln = (struct profile_line){ profile_add_function(p, name, name, "deep.c", 0),
					    (int64_t)i, 0 };
		locs[i] = profile_add_location(p, 0, 0x100000 + i * 16, &ln, 1);
	}
	ok = profile_add_sample(p, locs, DEPTH, v, NULL, 0) == 0;
	/* Mutual recursion a -> b -> a ... 2000 frames deep. */
	fa = profile_add_function(p, "rec_a", "rec_a", "deep.c", 0);
	fb = profile_add_function(p, "rec_b", "rec_b", "deep.c", 0);
	ln = (struct profile_line){ fa, 1, 0 };
	la = profile_add_location(p, 0, 0x900000, &ln, 1);
	ln = (struct profile_line){ fb, 2, 0 };
	lb = profile_add_location(p, 0, 0x900010, &ln, 1);
	for (i = 0; i < DEPTH; i++)
		locs[i] = i & 1 ? lb : la;
	v[1] = 5;
	ok = ok && profile_add_sample(p, locs, DEPTH, v, NULL, 0) == 0;
	check(ok, "deep stacks: build", "failed");
	d = roundtrip("deep stacks", p, true);
	if (d) {
		ok = d->n_samples == 2 && d->samples[0].n_locations == DEPTH &&
		     d->samples[1].n_locations == DEPTH;
		for (i = 0; ok && i < DEPTH; i++) {
			const struct dlocation *l = decode_location(d, d->samples[0].location_ids[i]);

			snprintf(name, sizeof(name), "frame%zu", i);
			ok = l && l->n_lines == 1 &&
			     !strcmp(decode_function(d, l->lines[0].function_id)->name, name);
		}
		check(ok, "deep stacks: 2000 frames in order", "frame %zu", i);
		top = top_to_string(d, 1, 0);
		/* rec_a: flat 5 (leaf), cum 5 once per sample despite 1000 appearances. */
		check(top_row_is(top, "rec_a", "5ns", "5ns") && top_row_is(top, "rec_b", "0", "5ns") &&
		      top_row_is(top, "frame0", "7ns", "7ns") &&
		      top_row_is(top, "frame1999", "0", "7ns"),
		      "deep stacks: recursion counted once in cum", "top:\n%s", top);
		free(top);
		decode_free(d);
	}
	free(locs);
	profile_free(p);
}

/* 100k samples, 1M location frames, 1000-frame stacks: must stay linear. */
static void test_scale(void)
{
	enum { N_FUNCS = 50000, N_SAMPLES = 100000, DEPTH = 10, N_DEEP = 1000, DEEP = 1000 };
	struct profile *p = profile_new();
	uint64_t *loc = calloc(N_FUNCS, sizeof(*loc)), stack[DEEP];
	struct profile_line ln;
	struct profile_label lb = { .key = "thread", .str = NULL };
	char name[32], thread[16];
	uint32_t rnd = 12345;
	int64_t v[] = { 1, 10000000 };
	struct timespec t0, t1;
	struct dprofile *d;
	uint8_t *buf;
	size_t i, j, n;
	bool ok = true;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	profile_add_sample_type(p, "samples", "count");
	profile_add_sample_type(p, "cpu", "nanoseconds");
	for (i = 0; i < N_FUNCS; i++) {
		snprintf(name, sizeof(name), "fn_%zu", i);
		ln = (struct profile_line){ profile_add_function(p, name, name, "big.c", 0),
					    (int64_t)i, 0 };
		loc[i] = profile_add_location(p, 0, 0x400000 + i * 8, &ln, 1);
		ok = ok && loc[i] == i + 1;
	}
	for (i = 0; i < N_SAMPLES; i++) {
		for (j = 0; j < DEPTH; j++) {
			rnd = rnd * 1103515245 + 12345;
			stack[j] = loc[(rnd >> 8) % N_FUNCS];
		}
		snprintf(thread, sizeof(thread), "t%zu", i % 8);
		lb.str = thread;
		ok = ok && profile_add_sample(p, stack, DEPTH, v, &lb, 1) == 0;
	}
	for (i = 0; i < N_DEEP; i++) {
		for (j = 0; j < DEEP; j++)
			stack[j] = loc[(i * 31 + j * 7) % N_FUNCS];
		ok = ok && profile_add_sample(p, stack, DEEP, v, NULL, 0) == 0;
	}
	rc = profile_serialize_gz(p, &buf, &n);
	ok = ok && rc == 0;
	if (rc == 0) {
		rc = decode_profile(buf, n, &d, NULL, 0);
		free(buf);
		ok = ok && rc == 0 && d->n_samples == N_SAMPLES + N_DEEP &&
		     d->n_locations == N_FUNCS &&
		     decode_total(d, 0) == N_SAMPLES + N_DEEP;
		if (rc == 0)
			decode_free(d);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check(ok, "scale: 101k samples, 2M frames, build+gzip+decode", "failed");
	printf("# scale test took %.2fs\n",
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(loc);
	profile_free(p);
}

/* --- wire-level facts ---------------------------------------------------------------------- */

/* True if needle[0..n) occurs in hay[0..len). */
static bool has_bytes(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++) {
		if (!memcmp(hay + i, needle, n))
			return true;
	}
	return false;
}

static void test_wire(void)
{
	struct profile *p = make_edge();
	/* -1 as an int64 varint: ten bytes, no zigzag. */
	static const uint8_t minus_one[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					     0xff, 0x01 };
	/* Sample field 1 (location_id), packed: tag 0x0a, length 3, ids 2 3 4. */
	static const uint8_t packed[] = { 0x0a, 0x03, 0x02, 0x03, 0x04 };
	uint8_t *buf;
	size_t n;

	if (profile_serialize(p, &buf, &n)) {
		check(false, "wire", "serialize failed");
		profile_free(p);
		return;
	}
	check(has_bytes(buf, n, minus_one, sizeof(minus_one)), "int64 -1 is a 10-byte varint",
	      "not found");
	check(has_bytes(buf, n, packed, sizeof(packed)), "repeated location_id packed",
	      "not found");
	free(buf);
	profile_free(p);
}

/* --- hand-made protobufs: ids, unpacked fields, every rejection ----------------------------- */

struct handmade {
	Perftools__Profiles__Profile prof;
	Perftools__Profiles__ValueType st, *stp[1];
	Perftools__Profiles__Sample s, *sp[1];
	uint64_t locids[2];
	int64_t vals[2];
	Perftools__Profiles__Mapping m[2], *mp[2];
	Perftools__Profiles__Function f[2], *fp[2];
	Perftools__Profiles__Location l[2], *lp[2];
	Perftools__Profiles__Line ln[1], *lnp[1];
	char *strs[6];
};

/* A valid one-sample profile with room for a second mapping, function and location. */
static void handmade_init(struct handmade *h)
{
	static char *strs[] = { "", "samples", "count", "main", "/bin/prog", "prog.c" };
	size_t i;

	memset(h, 0, sizeof(*h));
	perftools__profiles__profile__init(&h->prof);
	for (i = 0; i < ARRAY_LEN(strs); i++)
		h->strs[i] = strs[i];
	h->prof.string_table = h->strs;
	h->prof.n_string_table = ARRAY_LEN(strs);
	perftools__profiles__value_type__init(&h->st);
	h->st.type = 1;
	h->st.unit = 2;
	h->stp[0] = &h->st;
	h->prof.sample_type = h->stp;
	h->prof.n_sample_type = 1;
	for (i = 0; i < 2; i++) {
		perftools__profiles__mapping__init(&h->m[i]);
		h->m[i].id = i + 1;
		h->m[i].filename = 4;
		h->mp[i] = &h->m[i];
		perftools__profiles__function__init(&h->f[i]);
		h->f[i].id = i + 1;
		h->f[i].name = 3;
		h->f[i].filename = 5;
		h->fp[i] = &h->f[i];
		perftools__profiles__location__init(&h->l[i]);
		h->l[i].id = i + 1;
		h->l[i].mapping_id = 1;
		h->l[i].address = 0x1000 + i;
		h->lp[i] = &h->l[i];
	}
	perftools__profiles__line__init(&h->ln[0]);
	h->ln[0].function_id = 1;
	h->ln[0].line = 10;
	h->lnp[0] = &h->ln[0];
	h->l[0].line = h->lnp;
	h->l[0].n_line = 1;
	h->prof.mapping = h->mp;
	h->prof.n_mapping = 1;
	h->prof.function = h->fp;
	h->prof.n_function = 1;
	h->prof.location = h->lp;
	h->prof.n_location = 1;
	perftools__profiles__sample__init(&h->s);
	h->locids[0] = 1;
	h->vals[0] = 5;
	h->vals[1] = 6;
	h->s.location_id = h->locids;
	h->s.n_location_id = 1;
	h->s.value = h->vals;
	h->s.n_value = 1;
	h->sp[0] = &h->s;
	h->prof.sample = h->sp;
	h->prof.n_sample = 1;
	h->prof.time_nanos = 1700000000000000000LL;
}

static uint8_t *handmade_pack(const struct handmade *h, size_t *n)
{
	uint8_t *buf;

	*n = perftools__profiles__profile__get_packed_size(&h->prof);
	buf = malloc(*n ? *n : 1);
	if (buf)
		perftools__profiles__profile__pack(&h->prof, buf);
	return buf;
}

static void reject_handmade(const char *name, const struct handmade *h, const char *want)
{
	size_t n;
	uint8_t *buf = handmade_pack(h, &n);

	if (!buf) {
		check(false, name, "out of memory");
		return;
	}
	check_rejected(name, buf, n, want);
	free(buf);
}

static void test_large_ids(void)
{
	struct handmade h;
	struct dprofile *d = NULL;
	uint8_t *buf;
	size_t n;
	char err[256];
	int rc;

	handmade_init(&h);
	h.m[0].id = UINT64_MAX;
	h.l[0].mapping_id = UINT64_MAX;
	h.f[0].id = 1ULL << 63;
	h.ln[0].function_id = 1ULL << 63;
	h.l[0].id = UINT64_MAX - 1;
	h.locids[0] = UINT64_MAX - 1;
	h.vals[0] = INT64_MIN;
	buf = handmade_pack(&h, &n);
	rc = decode_profile(buf, n, &d, err, sizeof(err));
	check(rc == 0 && d->samples[0].values[0] == INT64_MIN &&
	      decode_location(d, UINT64_MAX - 1) &&
	      decode_mapping(d, UINT64_MAX)->filename[0] == '/' &&
	      !strcmp(decode_function(d, 1ULL << 63)->name, "main"),
	      "large ids (2^64-1, 2^63) resolve", "rc %d %s", rc, rc ? err : "");
	save_file("large-ids.pb", buf, n, "", "");
	decode_free(d);
	free(buf);
}

/* pprof accepts what the schema allows: unknown mapping ids, no lines, unpacked lists. */
static void test_accepted(void)
{
	struct handmade h;
	struct dprofile *d = NULL;
	uint8_t *buf, *pos;
	size_t n;
	char err[256];
	int rc;

	handmade_init(&h);
	h.l[0].mapping_id = 42;
	h.l[0].n_line = 0;
	buf = handmade_pack(&h, &n);
	rc = decode_profile(buf, n, &d, err, sizeof(err));
	check(rc == 0 && d->locations[0].mapping_id == 42 && !decode_mapping(d, 42),
	      "unknown mapping id and no lines accepted", "rc %d %s", rc, rc ? err : "");
	save_file("unknown-mapping.pb", buf, n, "", "");
	decode_free(d);
	free(buf);

	/*
	 * Unpacked repeated fields, as a hand-written encoder may emit: append a second
	 * Sample with location_id 1 written twice as separate varint fields.
	 */
	handmade_init(&h);
	h.prof.n_sample = 0;
	buf = handmade_pack(&h, &n);
	pos = realloc(buf, n + 10);
	if (!pos) {
		free(buf);
		return;
	}
	buf = pos;
	/* field 2 (sample), len 6: location_id=1, location_id=1, value=9 (all varints) */
	memcpy(buf + n, (const uint8_t[]){ 0x12, 0x06, 0x08, 0x01, 0x08, 0x01, 0x10, 0x09 },
	       8);
	n += 8;
	rc = decode_profile(buf, n, &d, err, sizeof(err));
	check(rc == 0 && d->n_samples == 1 && d->samples[0].n_locations == 2 &&
	      d->samples[0].values[0] == 9, "unpacked repeated fields accepted", "rc %d %s",
	      rc, rc ? err : "");
	save_file("unpacked.pb", buf, n, "", "");
	decode_free(d);
	free(buf);
}

static void test_rejections(void)
{
	static char *bad0[] = { "x", "samples", "count", "main", "/bin/prog", "prog.c" };
	struct handmade h;
	uint8_t *a, *b, *both, *gz;
	size_t na, nb, ngz;

	handmade_init(&h);
	h.prof.string_table = bad0;
	reject_handmade("string_table[0] not empty", &h,
			"unrecognized profile format (string_table[0] must be '')");

	handmade_init(&h);
	h.prof.n_string_table = 0;
	reject_handmade("missing string table", &h, "unrecognized profile format");

	handmade_init(&h);
	h.f[0].name = 6;
	reject_handmade("string index out of range", &h,
			"unrecognized profile format (string index 6 out of range");

	handmade_init(&h);
	h.st.unit = -1;
	reject_handmade("negative string index", &h, "unrecognized profile format (string index -1");

	handmade_init(&h);
	h.prof.n_mapping = 2;
	h.m[1].id = 1;
	reject_handmade("duplicate mapping id", &h,
			"malformed profile: multiple mappings with same id: 1");

	handmade_init(&h);
	h.m[0].id = 0;
	h.l[0].mapping_id = 0;
	reject_handmade("mapping id 0", &h, "malformed profile: found mapping with reserved ID=0");

	handmade_init(&h);
	h.prof.n_function = 2;
	h.f[1].id = 1;
	reject_handmade("duplicate function id", &h,
			"malformed profile: multiple functions with same id: 1");

	handmade_init(&h);
	h.f[0].id = 0;
	reject_handmade("function id 0", &h,
			"malformed profile: found function with reserved ID=0");

	handmade_init(&h);
	h.prof.n_location = 2;
	h.l[1].id = 1;
	reject_handmade("duplicate location id", &h,
			"malformed profile: multiple locations with same id: 1");

	handmade_init(&h);
	h.l[0].id = 0;
	h.locids[0] = 0;
	reject_handmade("location id 0", &h,
			"malformed profile: found location with reserved id=0");

	handmade_init(&h);
	h.locids[0] = 3;
	reject_handmade("unknown location id", &h, "malformed profile: sample has nil location");

	handmade_init(&h);
	h.ln[0].function_id = 9;
	reject_handmade("line with unknown function", &h,
			"malformed profile: location id: 1 has a line with nil function");

	handmade_init(&h);
	h.ln[0].function_id = 0;
	reject_handmade("line with function id 0", &h,
			"malformed profile: location id: 1 has a line with nil function");

	handmade_init(&h);
	h.s.n_value = 2;
	reject_handmade("value count mismatch", &h,
			"malformed profile: mismatch: sample has 2 values vs. 1 types");

	handmade_init(&h);
	h.prof.n_sample_type = 0;
	reject_handmade("samples without sample types", &h,
			"malformed profile: missing sample type information");

	/* Two profiles appended: protobuf-c alone would keep the second time_nanos. */
	handmade_init(&h);
	a = handmade_pack(&h, &na);
	h.prof.time_nanos = 1700000000000000001LL;
	b = handmade_pack(&h, &nb);
	both = malloc(na + nb);
	if (a && b && both) {
		memcpy(both, a, na);
		memcpy(both + na, b, nb);
		check_rejected("duplicated time_nanos", both, na + nb,
			       "concatenated profiles detected");
		if (gz_compress(both, na + nb, &gz, &ngz) == 0) {
			check_rejected("duplicated time_nanos gzipped", gz, ngz,
				       "concatenated profiles detected");
			free(gz);
		}
		/* Corrupt gzip: a flipped byte in the deflate data, and a truncation. */
		if (gz_compress(a, na, &gz, &ngz) == 0) {
			gz[ngz - 6] ^= 0xff;
			check_rejected("corrupt gzip checksum", gz, ngz, "decompressing profile: ");
			gz[ngz - 6] ^= 0xff;
			gz[12] ^= 0x55;
			check_rejected("corrupt gzip data", gz, ngz, "decompressing profile: ");
			gz[12] ^= 0x55;
			check_rejected("truncated gzip", gz, ngz / 2,
				       "decompressing profile: unexpected EOF");
			check_rejected("gzip magic only", gz, 2,
				       "decompressing profile: unexpected EOF");
			free(gz);
		}
	}
	free(a);
	free(b);
	free(both);

	check_rejected("empty input", "", 0, "empty input file");
	if (gz_compress("", 0, &gz, &ngz) == 0) {
		check_rejected("empty gzip member", gz, ngz, "empty input file");
		free(gz);
	}
	/* Tag 0x09: field 1 with wire type 1 (fixed64) where a message is expected. */
	check_rejected("wrong wire type", "\x09\x01\x02\x03\x04\x05\x06\x07\x08", 9,
		       "unrecognized profile format");
	check_rejected("truncated message", "\x32\x05\x61", 3, "unrecognized profile format");
	/* period (field 12) as fixed64: pprof checks wire types, "unrecognized" too. */
	check_rejected("fixed64 period", "\x32\x00\x61\x01\x02\x03\x04\x05\x06\x07\x08", 11,
		       "unrecognized profile format");
}

/* --- gzip ------------------------------------------------------------------------------------ */

static void test_gzip(void)
{
	struct profile *p = make_cpu();
	uint8_t *raw, *g1, *g2, *cat, *out;
	size_t nraw, n1, n2, nout, half;
	struct dprofile *d;
	int rc;

	if (profile_serialize(p, &raw, &nraw)) {
		check(false, "gzip", "serialize failed");
		profile_free(p);
		return;
	}
	half = nraw / 2;
	rc = gz_compress(raw, half, &g1, &n1);
	rc = rc ? rc : gz_compress(raw + half, nraw - half, &g2, &n2);
	if (rc) {
		check(false, "gzip", "compress failed");
		free(raw);
		profile_free(p);
		return;
	}
	check(g1[0] == 0x1f && g1[1] == 0x8b && g1[2] == 8, "gzip header", "%02x %02x %02x",
	      g1[0], g1[1], g1[2]);
	cat = malloc(n1 + n2);
	memcpy(cat, g1, n1);
	memcpy(cat + n1, g2, n2);
	rc = gz_decompress(cat, n1 + n2, &out, &nout);
	check(rc == 0 && nout == nraw && !memcmp(out, raw, nraw), "two gzip members",
	      "rc %d n %zu want %zu", rc, nout, nraw);
	if (rc == 0)
		free(out);
	rc = decode_profile(cat, n1 + n2, &d, NULL, 0);
	check(rc == 0 && d->n_samples == 4, "two gzip members decode", "rc %d", rc);
	if (rc == 0)
		decode_free(d);
	save_file("two-members.pb.gz", cat, n1 + n2, "", "");

	rc = gz_decompress(raw, nraw, &out, &nout);
	check(rc == 0 && nout == nraw && !memcmp(out, raw, nraw) && out != raw,
	      "raw passthrough", "rc %d", rc);
	if (rc == 0)
		free(out);
	rc = gz_decompress("", 0, &out, &nout);
	check(rc == 0 && nout == 0, "raw passthrough of nothing", "rc %d", rc);
	if (rc == 0)
		free(out);
	{
		/* Trailing garbage after a member is an error for Go's reader too. */
		uint8_t *junk = malloc(n1 + 3);
		char err[128];

		memcpy(junk, g1, n1);
		memcpy(junk + n1, "abc", 3);
		rc = gz_decompress_err(junk, n1 + 3, &out, &nout, err, sizeof(err));
		check(rc == -EINVAL && !strcmp(err, "gzip: invalid header"),
		      "garbage after gzip member", "rc %d '%s'", rc, err);
		if (rc == 0)
			free(out);
		free(junk);
	}
	{
		/* A large, compressible input that needs the output buffer to grow. */
		size_t big = 8 << 20, i;
		uint8_t *in = malloc(big), *z;
		size_t nz;

		for (i = 0; i < big; i++)
			in[i] = (uint8_t)(i % 251 == 0 ? i : 'a');
		rc = gz_compress(in, big, &z, &nz);
		rc = rc ? rc : gz_decompress(z, nz, &out, &nout);
		check(rc == 0 && nout == big && !memcmp(in, out, big), "gzip 8 MiB round trip",
		      "rc %d", rc);
		if (rc == 0) {
			free(z);
			free(out);
		}
		free(in);
	}
	free(cat);
	free(g1);
	free(g2);
	free(raw);
	profile_free(p);
}

/* --- the write seam ---------------------------------------------------------------------------- */

static uint8_t seam_buf[4096];
static size_t seam_len;
static int seam_calls, seam_mode;

enum { SEAM_ENOSPC, SEAM_SHORT, SEAM_EINTR, SEAM_ZERO, SEAM_ENOSPC_LATE };

static ssize_t seam_write(int fd, const void *buf, size_t n)
{
	size_t take;

	(void)fd;
	seam_calls++;
	switch (seam_mode) {
	case SEAM_ENOSPC:
		errno = ENOSPC;
		return -1;
	case SEAM_EINTR:
		if (seam_calls % 2) {
			errno = EINTR;
			return -1;
		}
		take = n;
		break;
	case SEAM_ZERO:
		return 0;
	case SEAM_ENOSPC_LATE:
		if (seam_len >= 100) {
			errno = ENOSPC;
			return -1;
		}
		take = n < 7 ? n : 7;
		break;
	default:
		take = n < 3 ? n : 3;
		break;
	}
	if (seam_len + take > sizeof(seam_buf))
		take = sizeof(seam_buf) - seam_len;
	memcpy(seam_buf + seam_len, buf, take);
	seam_len += take;
	return take;
}

static int seam_run(int mode, const void *buf, size_t n)
{
	seam_mode = mode;
	seam_len = 0;
	seam_calls = 0;
	return gz_write_all(-1, buf, n);
}

static void test_seam(void)
{
	ssize_t (*saved)(int, const void *, size_t) = gz_write_fn;
	char data[1000];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13);
	gz_write_fn = seam_write;
	rc = seam_run(SEAM_ENOSPC, data, sizeof(data));
	check(rc == -ENOSPC && seam_calls == 1, "seam: disk full", "rc %d calls %d", rc,
	      seam_calls);
	rc = seam_run(SEAM_SHORT, data, sizeof(data));
	check(rc == 0 && seam_len == sizeof(data) && !memcmp(seam_buf, data, sizeof(data)) &&
	      seam_calls == 334, "seam: short writes", "rc %d len %zu calls %d", rc, seam_len,
	      seam_calls);
	rc = seam_run(SEAM_EINTR, data, sizeof(data));
	check(rc == 0 && seam_len == sizeof(data) && seam_calls == 2, "seam: EINTR retried",
	      "rc %d len %zu calls %d", rc, seam_len, seam_calls);
	rc = seam_run(SEAM_ZERO, data, sizeof(data));
	check(rc == -EIO && seam_calls == 1, "seam: zero-byte write", "rc %d", rc);
	rc = seam_run(SEAM_ENOSPC_LATE, data, sizeof(data));
	check(rc == -ENOSPC && seam_len == 105, "seam: disk full after short writes",
	      "rc %d len %zu", rc, seam_len);
	rc = seam_run(SEAM_SHORT, data, 0);
	check(rc == 0 && seam_calls == 0, "seam: nothing to write", "rc %d", rc);
	gz_write_fn = saved;
}

/* --- decode_top units ------------------------------------------------------------------------- */

/* A profile of one type with one sample per (name, value). */
static char *top_of(const char *file, const char *type, const char *unit, const int64_t *vals,
		    size_t n)
{
	struct profile *p = profile_new();
	struct profile_line ln;
	struct dprofile *d;
	char name[16], *text = NULL;
	uint64_t l;
	size_t i;

	profile_add_sample_type(p, type, unit);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		ln = (struct profile_line){ profile_add_function(p, name, name, "", 0), 0, 0 };
		l = profile_add_location(p, 0, 0x10 + i, &ln, 1);
		profile_add_sample(p, &l, 1, &vals[i], NULL, 0);
	}
	d = roundtrip(file, p, false);
	if (d)
		text = top_to_string(d, 0, 0);
	save_profile(file, p);
	decode_free(d);
	profile_free(p);
	return text ? text : strdup("");
}

/* The expected rows are go tool pprof -top's output for the same profiles (Go 1.19.8). */
static void test_top_units(void)
{
	static const int64_t ns[] = { 1500000000, 20000000, 10000000 };
	static const int64_t bytes[] = { 3 << 20, 1536, 512 };
	static const int64_t counts[] = { 7, 3 };
	static const int64_t neg[] = { -2000, 1000 };
	char *t;

	t = top_of("top-ns", "cpu", "nanoseconds", ns, 3);
	check(strstr(t, "Showing nodes accounting for 1.53s, 100% of 1.53s total\n") &&
	      strstr(t, "     1.50s 98.04% 98.04%      1.50s 98.04%  f0\n") &&
	      strstr(t, "     0.02s  1.31% 99.35%      0.02s  1.31%  f1\n") &&
	      strstr(t, "     0.01s  0.65%   100%      0.01s  0.65%  f2\n"),
	      "top: nanoseconds as s", "got:\n%s", t);
	free(t);
	t = top_of("top-bytes", "alloc_space", "bytes", bytes, 3);
	check(strstr(t, "Showing nodes accounting for 3074kB, 100% of 3074kB total\n") &&
	      strstr(t, "    3072kB 99.93% 99.93%     3072kB 99.93%  f0\n") &&
	      strstr(t, "    1.50kB 0.049%   100%     1.50kB 0.049%  f1\n") &&
	      strstr(t, "    0.50kB 0.016%   100%     0.50kB 0.016%  f2\n"),
	      "top: bytes in powers of 1024", "got:\n%s", t);
	free(t);
	t = top_of("top-count", "alloc_objects", "count", counts, 2);
	check(strstr(t, "         7 70.00% 70.00%          7 70.00%  f0\n") &&
	      strstr(t, "Type: alloc_objects\n"), "top: counts plain", "got:\n%s", t);
	free(t);
	t = top_of("top-neg", "delay", "nanoseconds", neg, 2);
	check(strstr(t, "Showing nodes accounting for -1us, 33.33% of 3us total\n") &&
	      strstr(t, "      -2us 66.67% 66.67%       -2us 66.67%  f0\n") &&
	      strstr(t, "       1us 33.33% 33.33%        1us 33.33%  f1\n"),
	      "top: negative values", "got:\n%s", t);
	free(t);
}

/* --- doc_url and column ------------------------------------------------------------------- */

static void test_new_fields(void)
{
	struct profile *p = make_edge();
	struct dprofile *d = roundtrip("doc_url and column", p, true);

	if (d) {
		const struct dlocation *l = decode_location(d, 2);

		check(!strcmp(d->doc_url, "https://example.com/cprof/edge") && l &&
		      l->n_lines == 1 && l->lines[0].column == 77 && l->lines[0].line == -5,
		      "doc_url and Line.column round trip", "doc_url '%s'", d->doc_url);
		check(d->time_nanos == INT64_MAX && d->duration_nanos == -1 &&
		      d->period == INT64_MIN && d->samples[0].values[0] == INT64_MAX &&
		      d->samples[0].values[1] == INT64_MIN && d->samples[1].values[0] == -1 &&
		      d->mappings[0].memory_limit == UINT64_MAX &&
		      d->locations[1].address == UINT64_MAX &&
		      d->functions[1].start_line == INT64_MIN,
		      "INT64/UINT64 extremes round trip", "differs");
		decode_free(d);
	}
	profile_free(p);
}

/* --- a profile for go tool pprof: symbolized, so that pprof has nothing to warn about ---- */

static void save_pprof_sample(void)
{
	struct profile *p = make_cpu();

	/* make_cpu's libc mapping is unsymbolized on purpose; flag it for a warning-free run. */
	p->mappings[1].has_functions = true;
	save_profile("cpu-symbolized", p);
	profile_free(p);
}

/*
 * encoder_test [OUTDIR]. With OUTDIR, every profile made is also written there (good ones
 * NAME.pb.gz, bad ones bad-NAME.pb) with OUTDIR/expect.txt, one line per file:
 * "FILE<TAB>decode.c's error<TAB>go tool pprof -raw's error" ("-": none), for a shell test
 * that runs pdump -check and go tool pprof on each. Golden files are read from
 * $CPROF_GOLDEN_DIR (default tests/golden: run from the top of the tree);
 * CPROF_UPDATE_GOLDEN=1 rewrites them.
 */
int main(int argc, char **argv)
{
	char path[4096];

	setenv("TZ", "UTC", 1);
	tzset();
	if (argc > 1) {
		out_dir = argv[1];
		mkdir(out_dir, 0755);
		snprintf(path, sizeof(path), "%s/expect.txt", out_dir);
		expect_file = fopen(path, "w");
	}
	test_empty();
	test_cpu_fields();
	test_labels();
	test_merge_and_dedup();
	test_impl_invariants();
	test_many_mappings();
	test_deep_stack();
	test_wire();
	test_large_ids();
	test_accepted();
	test_rejections();
	test_gzip();
	test_seam();
	test_top_units();
	test_new_fields();
	test_golden();
	test_scale();
	save_pprof_sample();
	if (expect_file)
		fclose(expect_file);
	return check_done();
}
