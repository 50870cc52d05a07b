/*
 * httpreq_fuzz: the libFuzzer target for the request parser (preload/httpreq.c). It
 * drives the parser as the server does: the head arrives in two pieces (the first input
 * byte says where it is cut), then the body, Content-Length or chunked, fed in small
 * pieces, then the path, its cleaning and escaping, and the form values the handlers
 * read. Invariants that must hold for any input are checked with abort(), which the
 * fuzzer reports as a crash. tests/unit/httpreq_test replays tests/fuzz/corpus/httpreq/
 * through this same function without the fuzzer (make test); make fuzz runs the fuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpreq.h"

#define HEAD_MAX 16384
#define BODY_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int cond)
{
	if (!cond)
		abort();
}

static void body(const struct httpreq *r, const char *in, size_t n)
{
	static char out[BODY_MAX];
	struct httpreq_chunks c;
	size_t out_len = 0, pos = 0, step = 1;
	char v[64];

	if (!r->chunked)
		return;
	memset(&c, 0, sizeof(c));
	while (pos < n && !c.done) {
		size_t piece = n - pos < step ? n - pos : step;
		long used = httpreq_chunks_feed(&c, in + pos, piece, out, &out_len, sizeof(out));

		if (used < 0) {
			must(used == -400 || used == -413);
			return;
		}
		must((size_t)used <= piece);
		must(out_len <= sizeof(out));
		/* A feed that consumes nothing must have finished the body. */
		must(used > 0 || c.done);
		pos += (size_t)used;
		step = step * 3 + 1;
	}
	if (c.done)
		httpreq_form_value(out, out_len, "seconds", v, sizeof(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpreq r;
	const char *in = (const char *)data + 1, *query;
	size_t n, cut, query_len;
	char path[1024], clean[1024], again[1024], esc[3 * 1024 + 1], v[64];
	int head;

	if (size < 1)
		return 0;
	n = size - 1;
	cut = n ? data[0] % (n + 1) : 0;
	/* The first piece alone: incomplete, an error, or a complete head within it. */
	head = httpreq_parse_head(in, cut, HEAD_MAX, &r);
	must(head <= (int)cut);
	if (head < 0)
		must(r.error != NULL);
	head = httpreq_parse_head(in, n, HEAD_MAX, &r);
	if (head <= 0) {
		must(head == 0 || r.error != NULL);
		must(head == 0 || head == -400 || head == -431 || head == -501 || head == -505 ||
		     head == -417);
		return 0;
	}
	must((size_t)head <= n && head <= HEAD_MAX);
	must(r.method_len > 0 && r.target_len > 0 && r.minor >= 0 && r.minor <= 1);
	must(r.method >= in && r.target + r.target_len <= in + head);
	body(&r, in + head, n - (size_t)head);
	if (httpreq_path(&r, path, sizeof(path), &query, &query_len) < 0)
		return 0;
	must(strlen(path) < sizeof(path));
	if (query)
		must(query >= r.target && query + query_len <= r.target + r.target_len);
	httpreq_clean_path(path, clean, sizeof(clean));
	/* Cleaning is idempotent: the server redirects to the clean path once, never twice. */
	if (strlen(path) + 3 <= sizeof(clean))
		must(!httpreq_clean_path(clean, again, sizeof(again)) && !strcmp(clean, again));
	if (httpreq_escape_path(clean, esc, sizeof(esc)))
		must(strlen(esc) < sizeof(esc));
	if (query) {
		if (httpreq_form_value(query, query_len, "seconds", v, sizeof(v)))
			must(strlen(v) < sizeof(v));
		if (httpreq_form_value(query, query_len, "debug", v, 2))
			must(strlen(v) < 2);
	}
	httpreq_is_form(&r);
	return 0;
}
