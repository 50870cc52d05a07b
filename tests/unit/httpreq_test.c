/*
 * httpreq_test: unit tests of preload/httpreq.c, the /debug/pprof/ server's request
 * parser: request lines and headers as Go's net/http accepts or refuses them (statuses
 * and texts), chunked bodies fed a byte at a time, paths, Go's path cleaning, query values
 * as FormValue reads them. Then it replays every file of tests/fuzz/corpus/httpreq/
 * (inputs the fuzzer found interesting, and crashes it found once) through the fuzz
 * target, so that a regression shows up without the fuzzer.
 * Prints "ok - NAME" or "not ok - NAME: DETAIL" per check; exits 1 if any failed.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "httpreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int head(const char *s, struct httpreq *r)
{
	return httpreq_parse_head(s, strlen(s), 16384, r);
}

/* Heads and the status Go gives them (0: incomplete; > 0: accepted). */
static void test_heads(void)
{
	static const struct {
		const char *req;
		int want;
		const char *error;
	} cases[] = {
		{ "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n\r\n", 1, NULL },
		{ "GET /debug/pprof/ HTTP/1.1\nHost: x\n\n", 1, NULL },
		{ "GET /debug/pprof/ HTTP/1.0\r\n\r\n", 1, NULL },
		{ "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n", 0, NULL },
		{ "GET /debug/pprof/ HTT", 0, NULL },
		{ "GET /debug/pprof/ HTTP/1.1\r\n\r\n", -400, "missing required Host header" },
		{ "BLAH\r\n\r\n", -400, "malformed HTTP request" },
		{ "GET  /x HTTP/1.1\r\nHost: x\r\n\r\n", -400, "malformed HTTP request" },
		{ "GET /x HTTP/2.0\r\nHost: x\r\n\r\n", -505, "unsupported protocol version" },
		{ "GET /x HTTP/1.1x\r\nHost: x\r\n\r\n", -400, "malformed HTTP version" },
		{ "G(T /x HTTP/1.1\r\nHost: x\r\n\r\n", -400, "invalid method" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", -400, "malformed MIME header line" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", -400, "invalid header name" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", -400,
		  "malformed MIME header: obsolete line folding" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", -400, "too many Host headers" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", -501,
		  "Unsupported transfer encoding" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\n", -400, "bad Content-Length" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -400,
		  "message cannot contain multiple Content-Length headers" },
		{ "GET /x HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", -417, "Expectation Failed" },
		{ "GET /x\x01 HTTP/1.1\r\nHost: x\r\n\r\n", -400, "invalid control character in URL" },
		{ "GET /x HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400, "malformed HTTP request" },
		{ "GET /x HTTP/1.1\r\nHost: \x7f\r\n\r\n", -400, "invalid header value" },
		{ "\r\n\r\n", -400, "malformed HTTP request" },
	};
	struct httpreq r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = head(cases[i].req, &r);
		char name[80];

		snprintf(name, sizeof(name), "head %zu", i);
		if (cases[i].want > 0)
			check(got == (int)strlen(cases[i].req), name, "got %d, want the whole head (%zu)",
			      got, strlen(cases[i].req));
		else
			check(got == cases[i].want && (!cases[i].error || !strcmp(r.error, cases[i].error)),
			      name, "got %d (%s), want %d (%s)", got, got < 0 ? r.error : "-",
			      cases[i].want, cases[i].error ? cases[i].error : "-");
	}
}

static void test_head_fields(void)
{
	const char *req = "POST http://h:1/debug/pprof/symbol?x HTTP/1.1\r\nhost: h\r\n"
			  "content-length: 12\r\nCONTENT-TYPE: application/x-www-form-urlencoded; "
			  "charset=utf-8\r\nExpect: 100-Continue\r\n\r\nbody follows";
	struct httpreq r;
	int n = head(req, &r);

	check(n == (int)(strstr(req, "body") - req), "head length excludes the body", "%d", n);
	check(r.method_len == 4 && !memcmp(r.method, "POST", 4), "method", "%.*s",
	      (int)r.method_len, r.method);
	check(r.content_length == 12 && r.expect_continue && !r.chunked && r.minor == 1,
	      "headers read case-insensitively", "length %lld", (long long)r.content_length);
	check(httpreq_is_form(&r), "urlencoded content type with parameters", "not a form");
	n = head("GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n", &r);
	check(n > 0 && r.chunked && r.content_length == -1, "chunked wins over Content-Length",
	      "chunked %d length %lld", r.chunked, (long long)r.content_length);
	n = head("GET /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", &r);
	check(n > 0 && !r.chunked, "Transfer-Encoding ignored in HTTP/1.0", "chunked %d", r.chunked);
}

static void test_limits(void)
{
	static char big[20000];
	struct httpreq r;

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	check(httpreq_parse_head(big, 16384, 16384, &r) == -431 &&
	      !strcmp(r.error, "Request Header Fields Too Large"), "a head as long as the limit",
	      "not 431");
	check(httpreq_parse_head(big, 100, 16384, &r) == 0, "a partial head", "not 0");
	check(httpreq_parse_head(big, sizeof(big), 16384, &r) == -431, "a longer buffer",
	      "not 431");
}

/* Feeds a chunked body one byte at a time and then all at once. */
static void test_chunks(void)
{
	static const struct {
		const char *in;
		long want;	/* bytes consumed, or -400 / -413 */
		const char *body;
	} cases[] = {
		{ "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nNEXT", 32, "hello world" },
		{ "3\nabc\n0\nTrailer: x\n\n", 20, "abc" },
		{ "A  \r\n0123456789\r\n0\r\n\r\n", 22, "0123456789" },
		{ "x\r\n", -400, NULL },
		{ "3\r\nabcX", -400, NULL },
		{ "11111111111111111\r\n", -400, NULL },
		{ "100\r\n0123456789abcdefghij", -413, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int whole = 0; whole < 2; whole++) {
			struct httpreq_chunks c = { 0 };
			char out[64], name[64];
			size_t out_len = 0, len = strlen(cases[i].in), pos = 0;
			long rc = 0;

			while (pos < len && !c.done && rc >= 0) {
				rc = httpreq_chunks_feed(&c, cases[i].in + pos, whole ? len - pos : 1,
							 out, &out_len, 16);
				if (rc >= 0)
					pos += (size_t)rc;
			}
			snprintf(name, sizeof(name), "chunks %zu %s", i, whole ? "whole" : "bytewise");
			if (cases[i].want < 0)
				check(rc == cases[i].want, name, "got %ld, want %ld", rc, cases[i].want);
			else
				check(c.done && (long)pos == cases[i].want && out_len == strlen(cases[i].body) &&
				      !memcmp(out, cases[i].body, out_len), name,
				      "done %d, consumed %zu, body '%.*s'", c.done, pos, (int)out_len, out);
		}
	}
}

static void test_paths(void)
{
	static const struct {
		const char *target, *path, *query;
	} cases[] = {
		{ "/debug/pprof/heap?debug=1", "/debug/pprof/heap", "debug=1" },
		{ "/debug/pprof/%68eap", "/debug/pprof/heap", NULL },
		{ "http://host:6060/debug/pprof/?", "/debug/pprof/", "" },
		{ "HTTP://host", "", NULL },
		{ "/a+b#c", "/a+b#c", NULL },
		{ "*", NULL, NULL },
		{ "/x%zz", NULL, NULL },
		{ "/x%00", NULL, NULL },
		{ "/x%4", NULL, NULL },
		{ "host/x", NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct httpreq r = { .target = cases[i].target, .target_len = strlen(cases[i].target) };
		const char *q;
		size_t ql;
		char path[64], name[64];
		int rc = httpreq_path(&r, path, sizeof(path), &q, &ql);

		snprintf(name, sizeof(name), "path %s", cases[i].target);
		if (!cases[i].path) {
			check(rc == -400, name, "accepted as '%s'", path);
			continue;
		}
		check(rc == 0 && !strcmp(path, cases[i].path) &&
		      (cases[i].query ? q && ql == strlen(cases[i].query) &&
		       !memcmp(q, cases[i].query, ql) : !q), name, "rc %d path '%s' query '%.*s'", rc,
		      path, q ? (int)ql : 0, q ? q : "");
	}
}

static void test_clean(void)
{
	static const char *const cases[][2] = {
		{ "/debug/pprof/", "/debug/pprof/" },
		{ "/debug/pprof//heap", "/debug/pprof/heap" },
		{ "/debug/pprof/../heap", "/debug/heap" },
		{ "/debug/./pprof/heap/", "/debug/pprof/heap/" },
		{ "", "/" },
		{ "debug", "/debug" },
		{ "/..", "/" },
		{ "/../../a/b/..//", "/a/" },
		{ "/a/b/c/../../..", "/" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64], name[64];
		bool moved = httpreq_clean_path(cases[i][0], out, sizeof(out));

		snprintf(name, sizeof(name), "clean '%s'", cases[i][0]);
		check(!strcmp(out, cases[i][1]) && moved == !!strcmp(cases[i][0], cases[i][1]), name,
		      "got '%s' (moved %d), want '%s'", out, moved, cases[i][1]);
	}
}

static void test_form(void)
{
	static const char q[] = "a=1&seconds=5&seconds=7&x;y=2&bad=%zz&d%65bug=2+1&e=&f";
	char v[16];

	check(httpreq_form_value(q, strlen(q), "seconds", v, sizeof(v)) && !strcmp(v, "5"),
	      "first value wins", "'%s'", v);
	check(httpreq_form_value(q, strlen(q), "debug", v, sizeof(v)) && !strcmp(v, "2 1"),
	      "keys and values unescaped", "'%s'", v);
	check(!httpreq_form_value(q, strlen(q), "x", v, sizeof(v)) &&
	      !httpreq_form_value(q, strlen(q), "bad", v, sizeof(v)),
	      "pairs with ';' or a bad escape skipped", "found");
	check(httpreq_form_value(q, strlen(q), "e", v, sizeof(v)) && !v[0] &&
	      httpreq_form_value(q, strlen(q), "f", v, sizeof(v)) && !v[0], "empty values", "no");
	check(httpreq_form_value("k=0123456789abcdef", 18, "k", v, 4) && !strcmp(v, "012"),
	      "long values truncated to fit", "'%s'", v);
}

static void test_escape(void)
{
	char out[64];

	check(httpreq_escape_path("/debug/pprof/a b?%é", out, sizeof(out)) &&
	      !strcmp(out, "/debug/pprof/a%20b%3F%25%C3%A9"), "escape", "'%s'", out);
	check(!httpreq_escape_path("/abcdef", out, 4), "escape into a small buffer", "fitted");
}

/* Replays the fuzz corpus: every file must go through the target without a crash. */
static void test_corpus(void)
{
	const char *dir = getenv("CPROF_FUZZ_CORPUS");
	char path[4096];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	if (!dir || !*dir)
		dir = "tests/fuzz/corpus/httpreq";
	d = opendir(dir);
	check(d != NULL, "corpus directory", "cannot open %s", dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		static uint8_t buf[1 << 20];
		FILE *f;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	closedir(d);
	check(n >= 20, "corpus replayed", "only %zu inputs in %s", n, dir);
	printf("# %zu corpus inputs replayed\n", n);
}

int main(void)
{
	test_heads();
	test_head_fields();
	test_limits();
	test_chunks();
	test_paths();
	test_clean();
	test_form();
	test_escape();
	test_corpus();
	return check_done();
}
