/*
 * legacy_test: unit tests of encoder/legacy.c, Go's text profile formats. Fixed profiles
 * (count, heap, block, mutex, a thread dump) are built with the profile builder and their
 * text compared with tests/golden/legacy_*.txt; the heap text must give back the raw
 * sampled values Go's scaling came from; the thread dump must name every thread once.
 * Prints "ok - NAME" or "not ok - NAME: DETAIL" per check; exits 1 if any failed.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "legacy.h"
#include "profile.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *out_dir;

/* With an OUTDIR, the text and the profile it came from, for t6001's go tool pprof checks. */
static void save(const char *name, const struct profile *p, const char *text, size_t len)
{
	char path[4096];
	uint8_t *buf;
	size_t n;
	FILE *f;

	if (!out_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.txt", out_dir, name);
	f = fopen(path, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	if (profile_serialize_gz(p, &buf, &n) == 0) {
		snprintf(path, sizeof(path), "%s/%s.pb.gz", out_dir, name);
		f = fopen(path, "w");
		if (f) {
			fwrite(buf, 1, n, f);
			fclose(f);
		}
		free(buf);
	}
}

/* --- fixed profiles ------------------------------------------------------------------------ */

struct fn {
	const char *name, *file;
	int64_t line;
};

/*
 * The locations every profile here uses: two in the main binary (one with an inlined
 * call), one in libc without file information, one without any symbol.
 */
static uint64_t locs[5];

static void add_locations(struct profile *p)
{
	struct profile_mapping exe = { 0x400000, 0x500000, 0x1000, "/usr/bin/app", "abcdef01",
				       true, true, true, true };
	struct profile_mapping libc = { 0x7f0000000000, 0x7f0000100000, 0x28000,
					"/usr/lib/x86_64-linux-gnu/libc.so.6", "0123", false,
					false, false, false };
	uint64_t m1 = profile_add_mapping(p, &exe), m2 = profile_add_mapping(p, &libc);
	uint64_t f_main = profile_add_function(p, "main", "main", "/src/app.c", 0);
	uint64_t f_work = profile_add_function(p, "work_loop", "work_loop", "/src/app.c", 0);
	uint64_t f_inl = profile_add_function(p, "parse_request", "parse_request", "/src/parse.h", 0);
	uint64_t f_poll = profile_add_function(p, "__poll", "__poll", "", 0);
	struct profile_line l_main = { f_main, 42, 0 }, l_poll = { f_poll, 0, 0 };
	struct profile_line l_work[2] = { { f_inl, 7, 0 }, { f_work, 120, 0 } };

	locs[0] = profile_add_location(p, m2, 0x7f0000012345, &l_poll, 1);
	locs[1] = profile_add_location(p, m1, 0x401234, l_work, 2);
	locs[2] = profile_add_location(p, m1, 0x400abc, &l_main, 1);
	locs[3] = profile_add_location(p, m2, 0x7f0000054321, NULL, 0);
	locs[4] = profile_add_location(p, m1, 0x401300, l_work + 1, 1);
	profile_set_location_offset(p, locs[0], 0x1f);
	profile_set_location_offset(p, locs[1], 0x234);
	profile_set_location_offset(p, locs[2], 0x2c);
	profile_set_location_offset(p, locs[4], 0x300);
}

static void add(struct profile *p, const uint64_t *ids, size_t n, const int64_t *v,
		const struct profile_label *lb, size_t nl)
{
	int rc = profile_add_sample(p, ids, n, v, lb, nl);

	if (rc)
		check(false, "add sample", "profile_add_sample: %d", rc);
}

/* A threads profile as tstacks.c builds it: one sample per (stack, name, state, labels). */
static struct profile *make_threads(void)
{
	struct profile *p = profile_new();
	uint64_t s1[3], s2[2], s3[1];
	struct profile_label w[] = {
		{ "thread", "worker", 0, NULL }, { "state", "sleeping", 0, NULL },
		{ "tid", NULL, 1003, NULL }, { "tid", NULL, 1001, NULL }, { "tid", NULL, 1002, NULL },
	};
	struct profile_label r[] = {
		{ "thread", "server", 0, NULL }, { "state", "running", 0, NULL },
		{ "tid", NULL, 1000, NULL }, { "request", "checkout \"cart\"", 0, NULL },
	};
	struct profile_label b[] = {
		{ "thread", "stuck", 0, NULL }, { "state", "running", 0, NULL },
		{ "tid", NULL, 1004, NULL },
	};
	int64_t three = 3, one = 1;

	profile_add_sample_type(p, "goroutine", "count");
	profile_set_period(p, "goroutine", "count", 1);
	add_locations(p);
	memcpy(s1, (uint64_t[]){ locs[0], locs[1], locs[2] }, sizeof(s1));
	memcpy(s2, (uint64_t[]){ locs[4], locs[2] }, sizeof(s2));
	s3[0] = locs[3];
	add(p, s1, ARRAY_LEN(s1), &three, w, ARRAY_LEN(w));
	add(p, s2, ARRAY_LEN(s2), &one, r, ARRAY_LEN(r));
	add(p, s3, ARRAY_LEN(s3), &one, b, ARRAY_LEN(b));
	return p;
}

static struct profile *make_custom(void)
{
	struct profile *p = profile_new();
	uint64_t s1[2], s2[2];
	int64_t v1 = 5, v2 = 5;

	profile_add_sample_type(p, "handles", "count");
	profile_set_period(p, "handles", "count", 1);
	add_locations(p);
	memcpy(s1, (uint64_t[]){ locs[1], locs[2] }, sizeof(s1));
	memcpy(s2, (uint64_t[]){ locs[4], locs[2] }, sizeof(s2));
	add(p, s2, ARRAY_LEN(s2), &v2, NULL, 0);
	add(p, s1, ARRAY_LEN(s1), &v1, NULL, 0);
	return p;
}

/* Go's scaleHeapSample. */
static void go_scale(int64_t count, int64_t size, int64_t rate, int64_t *c, int64_t *s)
{
	double avg, scale;

	if (count == 0 || size == 0) {
		*c = *s = 0;
		return;
	}
	if (rate <= 1) {
		*c = count;
		*s = size;
		return;
	}
	avg = (double)size / (double)count;
	scale = 1 / (1 - exp(-avg / (double)rate));
	*c = (int64_t)((double)count * scale);
	*s = (int64_t)((double)size * scale);
}

/* A heap sample as Go writes it: scaled values and the bytes label. */
static void add_heap(struct profile *p, const uint64_t *ids, size_t n, int64_t rate,
		     const int64_t raw[4])
{
	int64_t v[4];
	struct profile_label bytes = { "bytes", NULL, raw[1] / raw[0], NULL };

	go_scale(raw[0], raw[1], rate, &v[0], &v[1]);	/* alloc */
	go_scale(raw[2], raw[3], rate, &v[2], &v[3]);	/* inuse */
	add(p, ids, n, v, &bytes, 1);
}

static struct profile *make_heap(int64_t rate, bool equal)
{
	struct profile *p = profile_new();
	uint64_t s1[2], s2[3];
	int64_t r1[4] = { 10, 40960, 4, 16384 }, r2[4] = { 3, 3 * 1048576, 1, 1048576 };

	if (equal) {
		r1[2] = r1[0];
		r1[3] = r1[1];
		r2[2] = r2[0];
		r2[3] = r2[1];
	}
	profile_add_sample_type(p, "alloc_objects", "count");
	profile_add_sample_type(p, "alloc_space", "bytes");
	profile_add_sample_type(p, "inuse_objects", "count");
	profile_add_sample_type(p, "inuse_space", "bytes");
	profile_set_period(p, "space", "bytes", rate);
	add_locations(p);
	memcpy(s1, (uint64_t[]){ locs[1], locs[2] }, sizeof(s1));
	memcpy(s2, (uint64_t[]){ locs[0], locs[4], locs[2] }, sizeof(s2));
	add_heap(p, s1, ARRAY_LEN(s1), rate, r1);
	add_heap(p, s2, ARRAY_LEN(s2), rate, r2);
	return p;
}

static struct profile *make_contention(void)
{
	struct profile *p = profile_new();
	uint64_t s1[3], s2[2];
	int64_t v1[2] = { 12, 3400000 }, v2[2] = { 700, 98000000 };

	profile_add_sample_type(p, "contentions", "count");
	profile_add_sample_type(p, "delay", "nanoseconds");
	profile_set_period(p, "contentions", "count", 1);
	add_locations(p);
	memcpy(s1, (uint64_t[]){ locs[0], locs[1], locs[2] }, sizeof(s1));
	memcpy(s2, (uint64_t[]){ locs[4], locs[2] }, sizeof(s2));
	add(p, s1, ARRAY_LEN(s1), v1, NULL, 0);
	add(p, s2, ARRAY_LEN(s2), v2, NULL, 0);
	return p;
}

/* --- the tests ----------------------------------------------------------------------------------- */

typedef int (*text_fn)(const struct profile *, char **, size_t *);

static char *text_of(const char *name, const struct profile *p, text_fn fn)
{
	char *text = NULL;
	size_t len = 0;
	int rc = fn(p, &text, &len);

	check(rc == 0 && text && strlen(text) == len, name, "rc %d", rc);
	if (rc == 0)
		save(name, p, text, len);
	return rc == 0 ? text : NULL;
}

static void golden(const char *name, const char *fn, char *text)
{
	char file[256], how[512];

	if (!text)
		return;
	snprintf(file, sizeof(file), "legacy_%s.txt", name);
	snprintf(how, sizeof(how), "# made by tests/unit/legacy_test.c: %s "
		 "(CPROF_UPDATE_GOLDEN=1 build/tests/unit/legacy_test rewrites it)", fn);
	check_golden(file, how, text);
}

static int block_text(const struct profile *p, char **out, size_t *len)
{
	return legacy_contention_text(p, "contention", out, len);
}

static int mutex_text(const struct profile *p, char **out, size_t *len)
{
	return legacy_contention_text(p, "mutex", out, len);
}

static void test_golden(void)
{
	struct profile *thr = make_threads(), *cus = make_custom(), *heap = make_heap(524288, false);
	struct profile *heq = make_heap(524288, true), *con = make_contention();
	char *t;

	golden("goroutine", "legacy_count_text(make_threads())", t = text_of("goroutine", thr, legacy_count_text));
	check(t && strstr(t, "goroutine profile: total 5\n") == t, "count: header counts threads",
	      "%.40s", t ? t : "");
	check(t && strstr(t, "\n3 @ 0x7f0000012346 0x401235 0x400abd\n# labels: {\"state\":\"sleeping\", \"thread\":\"worker\"}\n"),
	      "count: the three workers are one record, return addresses, labels", "see golden");
	free(t);
	golden("custom", "legacy_count_text(make_custom())", t = text_of("custom", cus, legacy_count_text));
	free(t);
	golden("threads", "legacy_threads_text(make_threads())", t = text_of("threads", thr, legacy_threads_text));
	free(t);
	golden("heap", "legacy_heap_text(make_heap(524288))", t = text_of("heap", heap, legacy_heap_text));
	check(t && strstr(t, "heap profile: 5: 1064960 [13: 3186688] @ heap/1048576\n") == t,
	      "heap: header holds the raw totals and 2*rate", "%.60s", t ? t : "");
	check(t && strstr(t, "\n1: 1048576 [3: 3145728] @ 0x7f0000012346 0x401301 0x400abd\n"),
	      "heap: a record holds the raw values, inuse first", "see golden");
	free(t);
	t = text_of("heap_equal", heq, legacy_heap_text);
	check(t && strstr(t, "heap profile: 13: 3186688 [13: 3186689] @ heap/1048576\n") == t,
	      "heap: equal in-use and alloc totals get alloc bytes + 1", "%.60s", t ? t : "");
	free(t);
	golden("block", "legacy_contention_text(make_contention(), \"contention\")",
	       t = text_of("block", con, block_text));
	free(t);
	golden("mutex", "legacy_contention_text(make_contention(), \"mutex\")",
	       t = text_of("mutex", con, mutex_text));
	check(t && strstr(t, "--- mutex:\ncycles/second=1000000000\nsampling period=1\n98000000 700 @ ") == t,
	      "mutex: header, then the largest delay first", "%.80s", t ? t : "");
	free(t);
	profile_free(thr);
	profile_free(cus);
	profile_free(heap);
	profile_free(heq);
	profile_free(con);
}

/* Every (count, size) Go could have scaled comes back as it was. */
static void test_unscale(void)
{
	static const int64_t sizes[] = { 1, 8, 16, 24, 100, 1000, 4096, 65536, 300000, 524288,
					 600000, 1048576, 10 << 20, 1 << 30 };
	static const int64_t counts[] = { 1, 2, 3, 7, 10, 100, 12345, 1000000 };
	static const int64_t rates[] = { 1, 512, 524288 };
	int bad = 0, n = 0;
	char detail[256] = "";

	for (size_t r = 0; r < ARRAY_LEN(rates); r++) {
		for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
			for (size_t j = 0; j < ARRAY_LEN(counts); j++) {
				struct profile *p = profile_new();
				uint64_t ids[1];
				int64_t raw[4] = { counts[j], counts[j] * sizes[i], counts[j], counts[j] * sizes[i] };
				char *t = NULL, want[128];
				size_t len;

				profile_add_sample_type(p, "alloc_objects", "count");
				profile_add_sample_type(p, "alloc_space", "bytes");
				profile_add_sample_type(p, "inuse_objects", "count");
				profile_add_sample_type(p, "inuse_space", "bytes");
				profile_set_period(p, "space", "bytes", rates[r]);
				add_locations(p);
				ids[0] = locs[1];
				add_heap(p, ids, 1, rates[r], raw);
				snprintf(want, sizeof(want), "\n%lld: %lld [%lld: %lld] @",
					 (long long)raw[2], (long long)raw[3], (long long)raw[0],
					 (long long)raw[1]);
				n++;
				if (legacy_heap_text(p, &t, &len) || !strstr(t, want)) {
					if (!bad++)
						snprintf(detail, sizeof(detail), "rate %lld: want '%s', got '%.80s'",
							 (long long)rates[r], want + 1, t ? strchr(t, '\n') + 1 : "");
				}
				free(t);
				profile_free(p);
			}
		}
	}
	check(bad == 0, "heap: raw values recovered from Go's scaling", "%d of %d wrong; first: %s",
	      bad, n, detail);
}

static void test_threads_once(void)
{
	struct profile *p = make_threads();
	char *t = NULL;
	size_t len;
	static const char *const want[] = {
		"thread 1000 \"server\" [running]:\nlabels: {\"request\":\"checkout \\\"cart\\\"\"}\nwork_loop\n\t/src/app.c:120 +0x300\nmain\n\t/src/app.c:42 +0x2c\n\n",
		"thread 1001 \"worker\" [sleeping]:\n__poll\n\t/usr/lib/x86_64-linux-gnu/libc.so.6 +0x1f\nparse_request\n\t/src/parse.h:7\nwork_loop\n\t/src/app.c:120 +0x234\n",
		"thread 1002 \"worker\" [sleeping]:\n", "thread 1003 \"worker\" [sleeping]:\n",
		"thread 1004 \"stuck\" [running]:\n0x7f0000054321\n\t/usr/lib/x86_64-linux-gnu/libc.so.6\n\n",
	};
	int blocks = 0;

	if (legacy_threads_text(p, &t, &len)) {
		check(false, "threads: text", "failed");
		profile_free(p);
		return;
	}
	for (const char *s = t; (s = strstr(s, "thread ")) && (s == t || s[-1] == '\n'); s++)
		blocks++;
	check(blocks == 5, "threads: one block per thread", "%d blocks", blocks);
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const char *at = strstr(t, want[i]);

		check(at && !strstr(at + 1, want[i]) , "threads: block found once", "'%.40s'", want[i]);
	}
	check(strstr(t, "thread 1000") < strstr(t, "thread 1001") &&
	      strstr(t, "thread 1003") < strstr(t, "thread 1004"), "threads: in tid order", "order");
	free(t);
	profile_free(p);
}

static void test_edges(void)
{
	struct profile *p = profile_new();
	char *t = NULL;
	size_t len = 0;

	check(legacy_count_text(p, &t, &len) == -EINVAL, "count: no sample type is -EINVAL", "%s", "");
	check(legacy_heap_text(p, &t, &len) == -EINVAL, "heap: no heap types is -EINVAL", "%s", "");
	check(legacy_contention_text(p, "mutex", &t, &len) == -EINVAL,
	      "contention: no types is -EINVAL", "%s", "");
	profile_add_sample_type(p, "threadcreate", "count");
	check(legacy_count_text(p, &t, &len) == 0 && !strcmp(t, "threadcreate profile: total 0\n"),
	      "count: an empty profile is its header", "'%s'", t ? t : "");
	free(t);
	t = NULL;
	check(legacy_threads_text(p, &t, &len) == 0 && len == 0 && t && !*t,
	      "threads: an empty profile is empty text", "len %zu", len);
	free(t);
	profile_free(p);
}

/*
 * legacy_test [OUTDIR]: with OUTDIR, each text is also written there as NAME.txt beside
 * the profile it was made from (NAME.pb.gz), for tests/t6001-legacy-text.sh.
 */
int main(int argc, char **argv)
{
	if (argc > 1) {
		out_dir = argv[1];
		mkdir(out_dir, 0755);
	}
	test_golden();
	test_unscale();
	test_threads_once();
	test_edges();
	return check_done();
}
