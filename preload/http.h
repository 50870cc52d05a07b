/*
 * http.h: the small HTTP/1.1 server of libcprof.so. One thread of the profiler's own runs
 * an event loop over non-blocking sockets (accepting, reading requests, waiting, writing
 * answers, with a deadline for each); two worker threads run the handler (pprof.c) and
 * build profiles. Neither is ever sampled, takes a signal or is the program's. Every
 * answer is complete before it is sent, with Content-Length and Connection: close.
 */
#ifndef CPROF_HTTP_H
#define CPROF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A request as handlers see it. Strings are NUL-terminated and live until the answer. */
struct http_request {
	const char *method;
	const char *path;		/* %-decoded, not yet cleaned */
	const char *query;		/* raw query string ("" when none) */
	size_t query_len;
	bool has_query;			/* the target had a '?' */
	const char *body;		/* decoded body (Content-Length or chunked) */
	size_t body_len;
	bool form;			/* the body is application/x-www-form-urlencoded */
};

/* The answer a handler fills in; the server adds Date, Content-Length and Connection. */
struct http_response {
	int status;			/* 0 until set */
	const char *content_type;	/* static strings, or NULL for none */
	const char *disposition;	/* Content-Disposition, or NULL (may point into body_owner) */
	const char *location;		/* Location, or NULL */
	bool nosniff;			/* X-Content-Type-Options: nosniff */
	bool go_pprof;			/* X-Go-Pprof: 1 */
	char *body;			/* malloc'd; the server frees it */
	size_t len;
	char hdr[256];			/* room for a header value built by the handler */
	char *owned;			/* malloc'd room for a longer one; the server frees it */
};

/*
 * One exchange. The handler runs on a worker thread and either fills in resp, or asks to
 * be called again later: it sets wait_ns and resume (the server then waits that long
 * without holding a thread, and calls resume on a worker), and cancel, which the server
 * calls instead when the client goes away or the process is forked. state is the
 * handler's own between the calls.
 */
struct http_exchange {
	struct http_request req;
	struct http_response resp;
	int64_t wait_ns;
	void (*resume)(struct http_exchange *x);
	void (*cancel)(struct http_exchange *x);
	void *state;
};

typedef void (*http_handler)(struct http_exchange *x);

/*
 * Starts serving on addr ("HOST:PORT", "[V6]:PORT", "localhost:PORT" or "unix:/path";
 * port 0 lets the kernel choose): binds (a non-loopback address only when public),
 * starts the threads, and tells the launcher where it serves ("http <addr>"). Normal
 * context, at start-up. 0 or -errno (logged once; the program then runs unserved).
 */
int http_start(const char *addr, bool public, http_handler serve);

/*
 * At exit: stops accepting and removes the Unix socket it created. Connections in
 * flight end with the process. Normal context.
 */
void http_stop(void);

/* In a fork child: the server stays the parent's; closes every socket it inherited. */
void http_fork_child(void);

/*
 * FormValue: the first value of key in the form body (when req->form), else in the query,
 * unescaped into out[0..max). False when absent. Normal context.
 */
bool http_form_value(const struct http_request *req, const char *key, char *out, size_t max);

/*
 * Parses an address as http_start takes it into a sockaddr (struct sockaddr_storage
 * at ss, length in *len) and says whether it is loopback (Unix sockets count as local).
 * Host names other than localhost are not resolved (no resolver runs inside the program).
 * 0 or -EINVAL.
 */
int http_parse_addr(const char *addr, void *ss, unsigned *len, bool *loopback);

#endif
