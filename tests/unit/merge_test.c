/*
 * merge_test: unit tests of encoder/merge.c, Go's profile.Merge as net/http/pprof uses it
 * for delta profiles. Profiles are built from fixed samples, decoded, merged with scales
 * (-1, 1), and the result decoded and compared sample by sample with what Go computes
 * for the same inputs (the expectations below follow internal/profile/merge.go).
 * With a directory argument it also writes p0.pb.gz, p1.pb.gz and delta.pb.gz there, for
 * t6901, which compares delta.pb.gz with go tool pprof -base p0 p1.
 * Prints "ok - NAME" or "not ok - NAME: DETAIL" per check; exits 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "decode.h"
#include "merge.h"
#include "profile.h"

/* A sample of a test profile: frames by function name, leaf first, NULL-terminated. */
struct spec {
	const char *frames[4];
	int64_t v[4];
	const char *label;	/* "key=value" string label, or NULL */
	int64_t bytes;		/* numeric label "bytes", 0 for none */
};

/* Every function sits at its own address in one of two mappings (main, libc). */
static uint64_t address_of(const char *fn)
{
	uint64_t h = 0;

	for (const char *c = fn; *c; c++)
		h = h * 31 + (unsigned char)*c;
	return (fn[0] == 'l' ? 0x7f0000001000ull : 0x401000ull) + (h % 0xe00) * 4;
}

struct mk {
	const char *types[9];	/* type, unit, ... NULL */
	int64_t period, time, duration;
	const char *comment;
	const char *dflt;
	uint64_t libc_start;	/* where libc is mapped (0: the default) */
};

static struct profile *make(const struct mk *m, const struct spec *s, size_t n)
{
	struct profile *p = profile_new();
	uint64_t libc = m->libc_start ? m->libc_start : 0x7f0000000000ull;
	struct profile_mapping main_map = { 0x400000, 0x402000, 0x1000, "/bin/app", "aa01", true,
					    true, true, false };
	struct profile_mapping libc_map = { libc, libc + 0x3000, 0x2000, "/lib/libc.so.6", "cc02",
					    true, false, false, false };
	uint64_t mid[2];

	for (int i = 0; m->types[i]; i += 2)
		profile_add_sample_type(p, m->types[i], m->types[i + 1]);
	profile_set_period(p, m->types[0], m->types[1], m->period);
	profile_set_time(p, m->time, m->duration);
	if (m->comment)
		profile_add_comment(p, m->comment);
	if (m->dflt)
		profile_set_default_sample_type(p, m->dflt);
	mid[0] = profile_add_mapping(p, &main_map);
	mid[1] = profile_add_mapping(p, &libc_map);
	for (size_t i = 0; i < n; i++) {
		uint64_t ids[4];
		struct profile_label lb[2];
		size_t nf = 0, nl = 0;
		char key[32], val[32];

		for (; nf < 4 && s[i].frames[nf]; nf++) {
			const char *fn = s[i].frames[nf];
			struct profile_line line = { profile_add_function(p, fn, fn, "x.c", 0),
						     (int64_t)strlen(fn), 0 };
			bool in_libc = fn[0] == 'l';
			uint64_t a = address_of(fn) - 0x7f0000000000ull * in_libc + libc * in_libc;

			ids[nf] = profile_add_location(p, mid[in_libc], a, &line, 1);
		}
		if (s[i].label) {
			const char *eq = strchr(s[i].label, '=');

			snprintf(key, sizeof(key), "%.*s", (int)(eq - s[i].label), s[i].label);
			snprintf(val, sizeof(val), "%s", eq + 1);
			lb[nl++] = (struct profile_label){ key, val, 0, NULL };
		}
		if (s[i].bytes)
			lb[nl++] = (struct profile_label){ "bytes", NULL, s[i].bytes, NULL };
		profile_add_sample(p, ids, nf, s[i].v, lb, nl);
	}
	return p;
}

static struct dprofile *decoded(struct profile *p)
{
	struct dprofile *d = NULL;
	uint8_t *buf;
	size_t len;

	if (profile_serialize_gz(p, &buf, &len) == 0) {
		decode_profile(buf, len, &d, NULL, 0);
		free(buf);
	}
	return d;
}

static void save(const char *dir, const char *name, struct profile *p)
{
	char path[4096];
	uint8_t *buf;
	size_t len;
	int fd;

	if (!dir || profile_serialize_gz(p, &buf, &len) < 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, len) != (ssize_t)len)
			check(false, "save", "short write to %s", path);
		close(fd);
	}
	free(buf);
}

/* The frames of sample s as "f1;f2;..." plus its labels, for comparing. */
static void describe(const struct dprofile *d, const struct dsample *s, char *out, size_t size)
{
	size_t n = 0;

	out[0] = 0;
	for (size_t i = 0; i < s->n_locations; i++) {
		const struct dlocation *l = decode_location(d, s->location_ids[i]);
		const struct dfunction *f = l && l->n_lines ? decode_function(d, l->lines[0].function_id) : NULL;

		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? ";" : "", f ? f->name : "?");
	}
	for (size_t i = 0; i < s->n_labels && n < size; i++) {
		if (s->labels[i].str)
			n += (size_t)snprintf(out + n, size - n, " %s=%s", s->labels[i].key, s->labels[i].str);
		else
			n += (size_t)snprintf(out + n, size - n, " %s=%lld", s->labels[i].key,
					      (long long)s->labels[i].num);
	}
}

/* Checks that d holds exactly the samples want[] (in any order), values and all. */
static void expect_samples(const char *name, const struct dprofile *d, const struct spec *want,
			   size_t n, size_t nt)
{
	bool used[64] = { 0 };

	check(d->n_samples == n, name, "%zu samples, want %zu", d->n_samples, n);
	for (size_t i = 0; i < n; i++) {
		char w[256] = "";
		size_t k = 0;
		bool found = false;

		for (; k < 4 && want[i].frames[k]; k++)
			snprintf(w + strlen(w), sizeof(w) - strlen(w), "%s%s", k ? ";" : "",
				 want[i].frames[k]);
		if (want[i].label)
			snprintf(w + strlen(w), sizeof(w) - strlen(w), " %s", want[i].label);
		if (want[i].bytes)
			snprintf(w + strlen(w), sizeof(w) - strlen(w), " bytes=%lld",
				 (long long)want[i].bytes);
		for (size_t j = 0; j < d->n_samples && !found; j++) {
			char got[256];

			describe(d, &d->samples[j], got, sizeof(got));
			if (used[j] || strcmp(got, w))
				continue;
			found = true;
			used[j] = true;
			for (size_t t = 0; t < nt; t++)
				check(d->samples[j].values[t] == want[i].v[t], name,
				      "sample %s value %zu is %lld, want %lld", w, t,
				      (long long)d->samples[j].values[t], (long long)want[i].v[t]);
		}
		check(found, name, "no sample %s", w);
	}
}

static bool has_function(const struct dprofile *d, const char *name)
{
	for (size_t i = 0; i < d->n_functions; i++)
		if (!strcmp(d->functions[i].name, name))
			return true;
	return false;
}

static struct dprofile *delta(struct profile *a, struct profile *b, int *rc)
{
	struct dprofile *in[2] = { decoded(a), decoded(b) };
	const double scale[2] = { -1, 1 };
	struct profile *out = NULL;
	struct dprofile *d = NULL;

	*rc = merge_profiles((const struct dprofile *const *)in, scale, 2, &out);
	if (*rc == 0)
		d = decoded(out);
	profile_free(out);
	decode_free(in[0]);
	decode_free(in[1]);
	return d;
}

static const struct mk heap_mk = {
	{ "alloc_objects", "count", "alloc_space", "bytes", "inuse_objects", "count",
	  "inuse_space", "bytes", NULL },
	524288, 1000, 0, NULL, NULL, 0
};

/*
 * Net/http/pprof's heap delta: what grew, what shrank (negative in-use values), what did
 * not change (dropped, with the locations and functions only it used), what is new.
 */
static void test_heap_delta(const char *dir)
{
	static const struct spec s0[] = {
		{ { "grow", "main" }, { 10, 1000, 10, 1000 }, NULL, 100 },
		{ { "same", "main" }, { 5, 500, 5, 500 }, NULL, 100 },
		{ { "shrink", "lmalloc_caller", "main" }, { 8, 800, 8, 800 }, NULL, 100 },
		{ { "gone", "main" }, { 1, 64, 1, 64 }, NULL, 64 },
	};
	static const struct spec s1[] = {
		{ { "grow", "main" }, { 30, 3000, 25, 2500 }, NULL, 100 },
		{ { "same", "main" }, { 5, 500, 5, 500 }, NULL, 100 },
		{ { "shrink", "lmalloc_caller", "main" }, { 8, 800, 2, 200 }, NULL, 100 },
		{ { "fresh", "main" }, { 4, 4096, 4, 4096 }, NULL, 1024 },
	};
	static const struct spec want[] = {
		{ { "grow", "main" }, { 20, 2000, 15, 1500 }, NULL, 100 },
		{ { "shrink", "lmalloc_caller", "main" }, { 0, 0, -6, -600 }, NULL, 100 },
		{ { "gone", "main" }, { -1, -64, -1, -64 }, NULL, 64 },
		{ { "fresh", "main" }, { 4, 4096, 4, 4096 }, NULL, 1024 },
	};
	struct mk m1 = heap_mk;
	struct profile *p0, *p1;
	struct dprofile *d;
	int rc;

	m1.time = 3000;
	p0 = make(&heap_mk, s0, 4);
	p1 = make(&m1, s1, 4);
	d = delta(p0, p1, &rc);
	check(rc == 0 && d, "heap delta: merged", "rc %d", rc);
	if (d) {
		expect_samples("heap delta", d, want, 4, 4);
		check(!has_function(d, "same"), "heap delta: unchanged stack compacted away",
		      "function 'same' is still there");
		check(d->n_mappings == 2 && !strcmp(d->mappings[0].filename, "/bin/app"),
		      "heap delta: main mapping first", "%zu mappings, first %s", d->n_mappings,
		      d->n_mappings ? d->mappings[0].filename : "-");
		check(d->period == 524288 && d->time_nanos == 1000, "heap delta: header",
		      "period %lld time %lld", (long long)d->period, (long long)d->time_nanos);
	}
	save(dir, "p0.pb.gz", p0);
	save(dir, "p1.pb.gz", p1);
	if (dir) {
		struct dprofile *in[2] = { decoded(p0), decoded(p1) };
		const double scale[2] = { -1, 1 };
		struct profile *out = NULL;

		if (merge_profiles((const struct dprofile *const *)in, scale, 2, &out) == 0)
			save(dir, "delta.pb.gz", out);
		profile_free(out);
		decode_free(in[0]);
		decode_free(in[1]);
	}
	decode_free(d);
	profile_free(p0);
	profile_free(p1);
}

/* Samples differ by labels: Go keys them apart, also when only the numeric label moved. */
static void test_labels(void)
{
	static const struct mk cnt = { { "goroutine", "count", NULL }, 1, 5, 0, NULL, NULL, 0 };
	static const struct spec s0[] = {
		{ { "wait", "main" }, { 3 }, "state=S", 0 },
		{ { "wait", "main" }, { 1 }, "state=R", 0 },
		{ { "alloc", "main" }, { 2 }, NULL, 8 },
	};
	static const struct spec s1[] = {
		{ { "wait", "main" }, { 3 }, "state=S", 0 },
		{ { "wait", "main" }, { 2 }, "state=R", 0 },
		{ { "alloc", "main" }, { 2 }, NULL, 16 },
	};
	static const struct spec want[] = {
		{ { "wait", "main" }, { 1 }, "state=R", 0 },
		{ { "alloc", "main" }, { -2 }, NULL, 8 },
		{ { "alloc", "main" }, { 2 }, NULL, 16 },
	};
	struct profile *p0 = make(&cnt, s0, 3), *p1 = make(&cnt, s1, 3);
	struct dprofile *d;
	int rc;

	d = delta(p0, p1, &rc);
	check(rc == 0 && d, "labels: merged", "rc %d", rc);
	if (d)
		expect_samples("labels", d, want, 3, 1);
	decode_free(d);
	profile_free(p0);
	profile_free(p1);
}

/* Go refuses to merge profiles of different kinds. */
static void test_incompatible(void)
{
	static const struct mk cnt = { { "goroutine", "count", NULL }, 1, 5, 0, NULL, NULL, 0 };
	static const struct mk two = { { "contentions", "count", "delay", "nanoseconds", NULL },
				       1, 5, 0, NULL, NULL, 0 };
	static const struct spec s[] = { { { "f" }, { 1, 2 }, NULL, 0 } };
	struct profile *a = make(&cnt, s, 1), *b = make(&two, s, 1);
	struct dprofile *d;
	int rc;

	d = delta(a, b, &rc);
	check(rc == -EINVAL && !d, "incompatible sample types refused", "rc %d", rc);
	decode_free(d);
	profile_free(a);
	profile_free(b);
}

/* combineHeaders: largest period, earliest time, summed durations, distinct comments. */
static void test_headers(void)
{
	struct mk a = { { "samples", "count", "cpu", "nanoseconds", NULL }, 10000000, 2000, 3,
			"one", "samples", 0 };
	struct mk b = a;
	static const struct spec s[] = { { { "f" }, { 1, 10 }, NULL, 0 } };
	struct profile *pa, *pb, *out = NULL;
	struct dprofile *in[2], *d = NULL;
	const double scale[2] = { 1, 1 };
	int rc;

	b.period = 20000000;
	b.time = 1000;
	b.duration = 4;
	b.comment = "two";
	b.dflt = NULL;
	pa = make(&a, s, 1);
	pb = make(&b, s, 1);
	in[0] = decoded(pa);
	in[1] = decoded(pb);
	rc = merge_profiles((const struct dprofile *const *)in, scale, 2, &out);
	if (rc == 0)
		d = decoded(out);
	check(d && d->period == 20000000 && d->time_nanos == 1000 && d->duration_nanos == 7,
	      "headers combined", "period %lld time %lld duration %lld",
	      d ? (long long)d->period : -1, d ? (long long)d->time_nanos : -1,
	      d ? (long long)d->duration_nanos : -1);
	check(d && d->n_comments == 2 && !strcmp(d->default_sample_type, "samples"),
	      "comments and default type", "%zu comments, default '%s'", d ? d->n_comments : 0,
	      d ? d->default_sample_type : "");
	check(d && d->n_samples == 1 && d->samples[0].values[0] == 2 &&
	      d->samples[0].values[1] == 20, "equal samples summed", "not summed");
	decode_free(d);
	decode_free(in[0]);
	decode_free(in[1]);
	profile_free(out);
	profile_free(pa);
	profile_free(pb);
}

/*
 * The same object mapped at another address (another process, or a reload) is one
 * mapping: Go moves the second profile's addresses by the difference.
 */
static void test_relocation(void)
{
	static const struct spec s[] = { { { "lwrite", "main" }, { 1 }, NULL, 0 } };
	struct mk a = { { "threadcreate", "count", NULL }, 1, 5, 0, NULL, NULL, 0 };
	struct mk b = a;
	struct profile *pa, *pb;
	struct dprofile *d;
	int rc;

	b.libc_start = 0x7f1000000000ull;
	pa = make(&a, s, 1);
	pb = make(&b, s, 1);
	d = delta(pa, pb, &rc);
	check(rc == 0 && d && d->n_samples == 0, "relocated mapping: equal samples cancel",
	      "rc %d, %zu samples", rc, d ? d->n_samples : 0);
	check(d && d->n_mappings == 1, "relocated mapping: only the first mapping is left",
	      "%zu mappings", d ? d->n_mappings : 0);
	decode_free(d);
	profile_free(pa);
	profile_free(pb);
}

/* Go's Scale goes through float64. */
static void test_scale(void)
{
	long long big = (1LL << 53) + 1;

	check(merge_scale_value(5, -1) == -5, "scale -1", "%lld", merge_scale_value(5, -1));
	check(merge_scale_value(big, -1) == -(1LL << 53), "scale rounds through float64 as Go",
	      "%lld", merge_scale_value(big, -1));
	check(merge_scale_value(INT64_MIN, -1) == INT64_MAX, "scale saturates", "%lld",
	      merge_scale_value(INT64_MIN, -1));
	check(merge_scale_value(3, 0.5) == 1, "scale truncates", "%lld", merge_scale_value(3, 0.5));
}

static void test_empty(void)
{
	struct profile *a = make(&heap_mk, NULL, 0), *b = make(&heap_mk, NULL, 0);
	struct dprofile *d;
	int rc;

	d = delta(a, b, &rc);
	check(rc == 0 && d && d->n_samples == 0 && d->n_sample_types == 4, "empty profiles",
	      "rc %d", rc);
	check(merge_profiles(NULL, NULL, 0, &(struct profile *){ NULL }) == -EINVAL,
	      "nothing to merge", "not -EINVAL");
	decode_free(d);
	profile_free(a);
	profile_free(b);
}

int main(int argc, char **argv)
{
	test_heap_delta(argc > 1 ? argv[1] : NULL);
	test_labels();
	test_incompatible();
	test_headers();
	test_relocation();
	test_scale();
	test_empty();
	return check_done();
}
