/*
 * httpreq_fuzz: the libFuzzer target for the request parser (preload/httpreq.c). It
 * drives the parser as the server does: the head arrives in two pieces (the first input
 * byte says where it is cut), then the body, Content-Length or chunked, fed in small
 * pieces, then the path, its cleaning and escaping, and the form values the handlers
 * read. Invariants that must hold for any input are checked with abort(), which the
 * fuzzer reports as a crash. tests/unit/httpreq_test replays tests/fuzz/corpus/httpreq/
 * through this same function without the fuzzer (make test); make fuzz runs the fuzzer.
 */
#include <stdbool.h>
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

/* Decodes a chunked body fed in pieces of growing size; returns the feed's last result. */
static long chunks(const char *in, size_t n, size_t first_step, char *out, size_t *out_len,
		   size_t *used_total, bool *done)
{
	struct httpreq_chunks c;
	size_t pos = 0, step = first_step;
	long used = 0;

	memset(&c, 0, sizeof(c));
	*out_len = 0;
	while (pos < n && !c.done) {
		size_t piece = n - pos < step ? n - pos : step;

		used = httpreq_chunks_feed(&c, in + pos, piece, out, out_len, BODY_MAX);
		if (used < 0)
			break;
		must((size_t)used <= piece);
		must(*out_len <= BODY_MAX);
		/* A feed that consumes nothing must have finished the body. */
		must(used > 0 || c.done);
		pos += (size_t)used;
		step = step * 3 + 1;
	}
	*used_total = pos;
	*done = c.done;
	return used;
}

/*
 * The body, fed a byte at a time and all at once: the decoder keeps its state between
 * feeds, so both must agree on everything (error, bytes used, body).
 */
static void body(const struct httpreq *r, const char *in, size_t n)
{
	static char a[BODY_MAX], b[BODY_MAX];
	size_t a_len, b_len, a_used, b_used;
	bool a_done, b_done;
	long ra, rb;
	char v[64];

	if (!r->chunked)
		return;
	ra = chunks(in, n, 1, a, &a_len, &a_used, &a_done);
	rb = chunks(in, n, n ? n : 1, b, &b_len, &b_used, &b_done);
	if (ra < 0 || rb < 0) {
		must(ra == rb && (ra == -400 || ra == -413));
		return;
	}
	must(a_done == b_done && a_used == b_used && a_len == b_len && !memcmp(a, b, a_len));
	if (a_done)
		httpreq_form_value(a, a_len, "seconds", v, sizeof(v));
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
	/* A complete head found in the first piece is the same head in the whole input. */
	if (cut && httpreq_parse_head(in, cut, HEAD_MAX, &(struct httpreq){ 0 }) > 0)
		must(head == httpreq_parse_head(in, cut, HEAD_MAX, &(struct httpreq){ 0 }));
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
