/*
 * httpreq.h: the HTTP/1.x request parser of the /debug/pprof/ server: request line and
 * headers, Content-Length and chunked bodies, the path and query as Go's net/http and
 * net/url read them. Pure functions over the caller's bytes: no allocation, no process
 * state, no I/O, so that the fuzzer (tests/fuzz/) can drive it alone. Every input is
 * bounded by the caller's limits; malformed input is an error status, never a crash.
 */
#ifndef CPROF_HTTPREQ_H
#define CPROF_HTTPREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the head (request line and headers) says. Pointers point into the caller's buffer. */
struct httpreq {
	const char *method;
	size_t method_len;
	const char *target;		/* the request-target as sent */
	size_t target_len;
	int minor;			/* HTTP/1.<minor>: 0 or 1 */
	bool chunked;			/* Transfer-Encoding: chunked */
	bool expect_continue;		/* Expect: 100-continue */
	int64_t content_length;		/* -1 when absent (or replaced by chunked) */
	const char *content_type;	/* the header's value, or NULL */
	size_t content_type_len;
	const char *error;		/* after an error: Go's reason text for it */
};

/*
 * Parses the head at the start of buf[0..len). Returns its length including the blank
 * line (> 0) once it is complete; 0 when more bytes are needed and len < max; or a
 * negative HTTP status with r->error set to Go's text for it: -400 (malformed, or HTTP/1.1
 * without Host: "missing required Host header"), -431 (the head is longer than max), -501
 * (a transfer coding other than chunked), -505 (not HTTP/1.0 or 1.1), -417 (an Expect
 * other than 100-continue). Lines may end in CRLF or LF, as Go accepts.
 */
int httpreq_parse_head(const char *buf, size_t len, size_t max, struct httpreq *r);

/* Incremental decoder of a chunked body; zero it before the first call. */
struct httpreq_chunks {
	int state;
	uint64_t remain;		/* bytes left in the current chunk */
	unsigned line_len;		/* bytes of the current size or trailer line */
	bool done;			/* the last chunk and trailers were read */
};

/*
 * Feeds in[0..n) (bytes after the head) to the chunk decoder, appending chunk data to
 * out (out[*out_len..max)). Returns how many input bytes it consumed (it stops after the
 * body, c->done set), or -400 (malformed) / -413 (the body would exceed max).
 */
long httpreq_chunks_feed(struct httpreq_chunks *c, const char *in, size_t n, char *out,
			 size_t *out_len, size_t max);

/*
 * Splits r's target into the decoded path (NUL-terminated in path[0..max)) and the raw
 * query (pointer into the target, or NULL), as Go's url.ParseRequestURI does: origin form
 * "/p?q" or absolute form "http://host/p?q". -400 when the target is not one of those,
 * holds a malformed or NUL %-escape, or the path does not fit.
 */
int httpreq_path(const struct httpreq *r, char *path, size_t max, const char **query,
		 size_t *query_len);

/*
 * Go's path cleaning for ServeMux (path.Clean, keeping a trailing slash): writes the
 * cleaned form of path into out[0..max) and returns true when it differs (the server
 * then redirects there). A path that does not fit is returned unchanged (false).
 */
bool httpreq_clean_path(const char *path, char *out, size_t max);

/*
 * Go's FormValue over one urlencoded string (a query or a form body): finds the first
 * "key=value" pair whose unescaped key is key, and unescapes its value into
 * out[0..max) (NUL-terminated, truncated to fit). Pairs Go's ParseQuery rejects (a ';',
 * a bad escape) are skipped. Returns true when found.
 */
bool httpreq_form_value(const char *s, size_t len, const char *key, char *out, size_t max);

/* True when r's Content-Type is application/x-www-form-urlencoded (any parameters). */
bool httpreq_is_form(const struct httpreq *r);

/*
 * Escapes path for a Location header as Go's url.URL.String does for a path (letters,
 * digits, "-._~" and "$&+,/:;=@" stay; everything else becomes %XX). Returns false when
 * out[0..max) is too small.
 */
bool httpreq_escape_path(const char *path, char *out, size_t max);

#endif
