/*
 * pprof.c: Go's net/http/pprof (Go 1.19's pprof.go and ServeMux) over cprof's profiles:
 * the handler the server (http.c) runs on its workers. CPU profiles are windows (cpu.h)
 * and delta profiles are Go's merge of two snapshots (encoder/merge.c), both waiting in
 * the server's loop rather than in a thread. Text forms come from one function per
 * format (text_forms below).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu.h"
#include "decode.h"
#include "dump.h"
#include "http.h"
#include "legacy.h"
#include "httpreq.h"
#include "limits.h"
#include "log.h"
#include "merge.h"
#include "pprof.h"
#include "profile.h"
#include "symbols.h"
#include "testsource.h"

#define PREFIX "/debug/pprof/"
#define TEXT "text/plain; charset=utf-8"
#define BINARY "application/octet-stream"

static _Atomic bool cpu_busy;	/* one CPU profile request at a time, as Go */

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- answers ---------------------------------------------------------------------------- */

static void set_body(struct http_response *r, char *body, size_t len)
{
	free(r->body);
	r->body = body;
	r->len = len;
}

static void set_text(struct http_response *r, const char *text)
{
	size_t n = strlen(text);
	char *b = malloc(n + 1);

	if (b)
		memcpy(b, text, n + 1);
	set_body(r, b, b ? n : 0);
}

/* Go's serveError: text, X-Go-Pprof, no Content-Disposition, the text and a newline. */
static void serve_error(struct http_exchange *x, int status, const char *text)
{
	char line[256];

	snprintf(line, sizeof(line), "%s\n", text);
	x->resp.status = status;
	x->resp.content_type = TEXT;
	x->resp.go_pprof = true;
	x->resp.disposition = NULL;
	set_text(&x->resp, line);
}

/* A gzipped profile as Go sends one: octet-stream, attachment; filename="NAME". */
static void serve_profile(struct http_exchange *x, struct profile *p, const char *filename)
{
	uint8_t *buf;
	size_t len;

	if (!p || profile_serialize_gz(p, &buf, &len) < 0) {
		serve_error(x, 500, "failed to collect profile");
		return;
	}
	x->resp.status = 200;
	x->resp.content_type = BINARY;
	snprintf(x->resp.hdr, sizeof(x->resp.hdr), "attachment; filename=\"%s\"", filename);
	x->resp.disposition = x->resp.hdr;
	set_body(&x->resp, (char *)buf, len);
}

/* Go's strconv.ParseInt(s, 10, 64): -EINVAL on a syntax error, -ERANGE (clamped) on overflow. */
static int parse_int(const char *s, int64_t *out)
{
	const char *d = s + (*s == '+' || *s == '-');
	uint64_t v = 0;
	bool big = false;

	*out = 0;
	if (!*d)
		return -EINVAL;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			big = true;
		else
			v = v * 10 + (uint64_t)(*d - '0');
	}
	if (*s == '-') {
		big |= v > (uint64_t)INT64_MAX + 1;
		*out = big ? INT64_MIN : (int64_t)(0 - v);
	} else {
		big |= v > (uint64_t)INT64_MAX;
		*out = big ? INT64_MAX : (int64_t)v;
	}
	return big ? -ERANGE : 0;
}

/* A form value parsed as Go's handlers do; "" when absent. */
static int form_int(struct http_exchange *x, const char *key, int64_t *out, bool *present)
{
	char v[64] = "";

	*present = http_form_value(&x->req, key, v, sizeof(v));
	return parse_int(v, out);
}

/* --- ServeMux ------------------------------------------------------------------------------- */

/* Go's htmlEscape. */
static void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&#34;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Go's Redirect with 301: Location, and for GET and HEAD a line of HTML. */
static void redirect(struct http_exchange *x, const char *path)
{
	char *loc = malloc(3 * strlen(path) + 1 + x->req.query_len + 2), *body = NULL;
	size_t n = 0;
	FILE *f;

	if (!loc || !httpreq_escape_path(path, loc, 3 * strlen(path) + 1)) {
		free(loc);
		serve_error(x, 500, "out of memory");
		return;
	}
	if (x->req.query_len)
		sprintf(loc + strlen(loc), "?%s", x->req.query);
	x->resp.status = 301;
	free(x->resp.owned);
	x->resp.owned = loc;
	x->resp.location = loc;
	if (!strcmp(x->req.method, "GET") || !strcmp(x->req.method, "HEAD")) {
		f = open_memstream(&body, &n);
		if (f) {
			fputs("<a href=\"", f);
			html_escape(f, loc);
			fputs("\">Moved Permanently</a>.\n\n", f);
			fclose(f);
			x->resp.content_type = "text/html; charset=utf-8";
			set_body(&x->resp, body, n);
		}
	}
}

/* Go's NotFound, for every path that is not /debug/pprof/... */
static void not_found(struct http_exchange *x)
{
	x->resp.status = 404;
	x->resp.content_type = TEXT;
	set_text(&x->resp, "404 page not found\n");
}

/* --- cmdline and symbol ----------------------------------------------------------------------- */

/* argv joined by NUL bytes, as Go's os.Args joined: no NUL after the last. */
static void cmdline(struct http_exchange *x)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t got = 1;

	while (buf && fd >= 0 && n < cap && got > 0) {
		got = read(fd, buf + n, cap - n);
		if (got > 0)
			n += (size_t)got;
	}
	if (fd >= 0)
		close(fd);
	if (n && buf[n - 1] == 0)
		n--;
	x->resp.status = 200;
	x->resp.content_type = TEXT;
	set_body(&x->resp, buf, buf ? n : 0);
}

/* Go's strconv.ParseUint(tok, 0, 64) without underscores; false on any error. */
static bool parse_addr(const char *tok, size_t n, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n >= 2 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X'))
		base = 16, i = 2;
	else if (n >= 2 && tok[0] == '0' && (tok[1] == 'b' || tok[1] == 'B'))
		base = 2, i = 2;
	else if (n >= 2 && tok[0] == '0' && (tok[1] == 'o' || tok[1] == 'O'))
		base = 8, i = 2;
	else if (n >= 1 && tok[0] == '0')
		base = 8, i = n > 1 ? 1 : 0;
	if (i == n)
		return false;
	for (; i < n; i++) {
		char c = tok[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 99;

		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/*
 * Go's Symbol: "num_symbols: 1", then "0x<pc> <function>" for every '+'-separated
 * address of the POST body (or the raw query) that lies in a function.
 */
static void symbol(struct http_exchange *x)
{
	bool post = !strcmp(x->req.method, "POST");
	const char *in = post ? x->req.body : x->req.query;
	size_t len = post ? x->req.body_len : x->req.query_len, n = 0;
	struct symbols *sy = NULL;
	char *body = NULL;
	FILE *f = open_memstream(&body, &n);

	if (!f) {
		serve_error(x, 500, "out of memory");
		return;
	}
	fputs("num_symbols: 1\n", f);
	for (size_t i = 0; i < len;) {
		const char *plus = memchr(in + i, '+', len - i);
		size_t tok = plus ? (size_t)(plus - (in + i)) : len - i;
		struct symbols_frame fr[8];
		uint64_t pc;

		if (parse_addr(in + i, tok, &pc) && pc) {
			if (!sy)
				sy = symbols_new();
			if (sy && symbols_lookup(sy, pc, fr, 8) > 0)
				fprintf(f, "%#llx %s\n", (unsigned long long)pc, fr[0].name);
		}
		i += tok + 1;
	}
	fclose(f);
	if (sy)
		symbols_free(sy);
	x->resp.status = 200;
	x->resp.content_type = TEXT;
	set_body(&x->resp, body, n);
}

/* --- CPU profile and trace --------------------------------------------------------------- */

static void profile_done(struct http_exchange *x)
{
	struct profile *p = cpu_window_end(x->state, NULL);

	x->state = NULL;
	atomic_store(&cpu_busy, false);
	serve_profile(x, p, "profile");
	profile_free(p);
}

static void profile_cancel(struct http_exchange *x)
{
	cpu_window_cancel(x->state);
	x->state = NULL;
	atomic_store(&cpu_busy, false);
}

static void cpu_profile(struct http_exchange *x)
{
	struct cpu_window *w;
	int64_t sec;
	bool present;
	char why[160];
	int rc;

	if (form_int(x, "seconds", &sec, &present) < 0 || sec <= 0)
		sec = 30;
	if (sec >= CPROF_HTTP_SECONDS_MAX) {
		serve_error(x, 400, "profile duration exceeds server's WriteTimeout");
		return;
	}
	if (atomic_exchange(&cpu_busy, true)) {
		serve_error(x, 500, "Could not enable CPU profiling: cpu profiling already in use");
		return;
	}
	rc = cpu_window_begin(&w);
	if (rc < 0) {
		atomic_store(&cpu_busy, false);
		snprintf(why, sizeof(why), "Could not enable CPU profiling: %s", strerror(-rc));
		serve_error(x, 500, why);
		return;
	}
	x->state = w;
	x->wait_ns = sec * 1000000000;
	x->resume = profile_done;
	x->cancel = profile_cancel;
}

/*
 * Go's Trace handler, for a feature this process does not have: the answer Go gives when
 * trace.Start fails (a Go execution trace describes goroutines and Go's scheduler).
 */
static void trace(struct http_exchange *x)
{
	char v[64] = "", *end;
	double sec;

	http_form_value(&x->req, "seconds", v, sizeof(v));
	sec = strtod(v, &end);
	if (!v[0] || *end || !(sec > 0))
		sec = 1;
	if (sec >= CPROF_HTTP_SECONDS_MAX) {
		serve_error(x, 400, "profile duration exceeds server's WriteTimeout");
		return;
	}
	serve_error(x, 500, "Could not enable tracing: execution traces exist only for Go programs");
}

/* --- named profiles -------------------------------------------------------------------------- */

/* The source a URL name serves: goroutine and threads are two names of one profile. */
static const struct dump_source *source_of(const char *name)
{
	const struct dump_source *src = dump_find(name);

	if (!src && !strcmp(name, "threads"))
		src = dump_find("goroutine");
	if (!src && !strcmp(name, "goroutine"))
		src = dump_find("threads");
	return src;
}

bool pprof_supports_delta(const char *name)
{
	static const char *const go[] = { "allocs", "block", "goroutine", "heap", "mutex",
					  "threadcreate", "threads" };

	for (size_t i = 0; i < sizeof(go) / sizeof(go[0]); i++)
		if (!strcmp(name, go[i]))
			return true;
	return testsource_is(name);
}

/* A snapshot as Go's collectProfile takes it: built, serialized, parsed back, timed. */
static int collect(const struct dump_source *src, struct dprofile **out, int64_t *time_ns)
{
	struct profile *p = dump_build_source(src->name);
	uint8_t *buf = NULL;
	size_t len;
	int rc = -ENOMEM;

	*out = NULL;
	if (p && profile_serialize(p, &buf, &len) == 0)
		rc = decode_profile(buf, len, out, NULL, 0);
	*time_ns = realtime_ns();
	free(buf);
	profile_free(p);
	return rc;
}

/*
 * A text form of src's profile taken now (encoder/legacy.h): Go's heap text for heap and
 * allocs, its contention text for block and mutex, the thread dump for goroutine with
 * debug >= 2, the count text otherwise (goroutine, threadcreate, custom profiles).
 */
static int text_legacy(const struct dump_source *src, int debug, FILE *out)
{
	struct profile *p = dump_build_source(src->name);
	const char *name = src->name;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!p)
		return -ENOMEM;
	if (!strcmp(name, "heap") || !strcmp(name, "allocs"))
		rc = legacy_heap_text(p, &text, &len);
	else if (!strcmp(name, "block") || !strcmp(name, "mutex"))
		rc = legacy_contention_text(p, strcmp(name, "block") ? "mutex" : "contention",
					    &text, &len);
	else if (debug >= 2 && (!strcmp(name, "goroutine") || !strcmp(name, "threads")))
		rc = legacy_threads_text(p, &text, &len);
	else
		rc = legacy_count_text(p, &text, &len);
	if (rc == 0 && fwrite(text, 1, len, out) != len)
		rc = -EIO;
	free(text);
	profile_free(p);
	return rc;
}

/* The text forms (debug >= 1): every named source has one (text_legacy). */
static const struct text_form {
	const char *name;	/* the source it is for; NULL for any */
	int debug;		/* for debug >= this */
	int (*write)(const struct dump_source *src, int debug, FILE *out);
} text_forms[] = {
	{ NULL, 1, text_legacy },
};

static void serve_text(struct http_exchange *x, const struct dump_source *src, int64_t debug)
{
	const struct text_form *t = NULL;
	char *body = NULL;
	size_t n = 0;
	FILE *f;
	int rc;

	for (size_t i = 0; i < sizeof(text_forms) / sizeof(text_forms[0]) && !t; i++)
		if ((!text_forms[i].name || !strcmp(text_forms[i].name, src->name)) &&
		    debug >= text_forms[i].debug)
			t = &text_forms[i];
	if (!t || !t->write) {
		serve_error(x, 501, "this text form is not available yet; use debug=0");
		return;
	}
	f = open_memstream(&body, &n);
	if (!f) {
		serve_error(x, 500, "failed to collect profile");
		return;
	}
	rc = t->write(src, (int)(debug > 1000 ? 1000 : debug), f);
	fclose(f);
	if (rc < 0) {
		free(body);
		serve_error(x, 500, "failed to collect profile");
		return;
	}
	x->resp.status = 200;
	x->resp.content_type = TEXT;
	set_body(&x->resp, body, n);
}

struct delta {
	const struct dump_source *src;
	struct dprofile *p0;
	int64_t t0;
	char filename[128];
};

static void delta_cancel(struct http_exchange *x)
{
	struct delta *d = x->state;

	if (d)
		decode_free(d->p0);
	free(d);
	x->state = NULL;
}

/* Go's serveDeltaProfile, after the wait: p1, then merge(-p0, p1), timed as Go times it. */
static void delta_done(struct http_exchange *x)
{
	struct delta *d = x->state;
	struct dprofile *in[2] = { d->p0, NULL };
	const double scale[2] = { -1, 1 };
	struct profile *out = NULL;
	int64_t t1;

	if (collect(d->src, &in[1], &t1) < 0) {
		serve_error(x, 500, "failed to collect profile");
	} else if (merge_profiles((const struct dprofile *const *)in, scale, 2, &out) < 0) {
		serve_error(x, 500, "failed to compute delta");
	} else {
		profile_set_time(out, t1, t1 - d->t0);
		serve_profile(x, out, d->filename);
	}
	profile_free(out);
	decode_free(in[1]);
	delta_cancel(x);
}

static void delta(struct http_exchange *x, const struct dump_source *src, const char *name)
{
	int64_t sec, debug;
	bool present;
	struct delta *d;

	if (form_int(x, "seconds", &sec, &present) < 0 || sec <= 0) {
		serve_error(x, 400, "invalid value for \"seconds\" - must be a positive integer");
		return;
	}
	if (!pprof_supports_delta(name)) {
		serve_error(x, 400, "\"seconds\" parameter is not supported for this profile type");
		return;
	}
	if (sec >= CPROF_HTTP_SECONDS_MAX) {
		serve_error(x, 400, "profile duration exceeds server's WriteTimeout");
		return;
	}
	form_int(x, "debug", &debug, &present);
	if (debug != 0) {
		serve_error(x, 400, "seconds and debug params are incompatible");
		return;
	}
	d = calloc(1, sizeof(*d));
	if (!d || collect(src, &d->p0, &d->t0) < 0) {
		free(d);
		serve_error(x, 500, "failed to collect profile");
		return;
	}
	d->src = src;
	snprintf(d->filename, sizeof(d->filename), "%.100s-delta", name);
	x->state = d;
	x->wait_ns = sec * 1000000000;
	x->resume = delta_done;
	x->cancel = delta_cancel;
}

/* Go's handler.ServeHTTP for /debug/pprof/NAME. */
static void named(struct http_exchange *x, const char *name)
{
	const struct dump_source *src = source_of(name);
	char seconds[64] = "";
	int64_t debug, gc;
	bool present;
	struct profile *p;

	if (!src) {
		serve_error(x, 404, "Unknown profile");
		return;
	}
	if (http_form_value(&x->req, "seconds", seconds, sizeof(seconds)) && seconds[0]) {
		delta(x, src, name);
		return;
	}
	/* gc=1 asks Go for a collection before a heap profile: there is none to run here. */
	form_int(x, "gc", &gc, &present);
	form_int(x, "debug", &debug, &present);
	/* Go's quirk, kept: only heap and allocs write text for a negative debug. */
	if (debug > 0 || (debug < 0 && (!strcmp(src->name, "heap") || !strcmp(src->name, "allocs")))) {
		serve_text(x, src, debug);
		return;
	}
	p = dump_build_source(src->name);
	serve_profile(x, p, name);
	profile_free(p);
	if (debug < 0 && x->resp.status == 200) {
		x->resp.content_type = TEXT;
		x->resp.disposition = NULL;
	}
}

/* --- the index ------------------------------------------------------------------------------- */

struct entry {
	const char *name, *desc;
	size_t count;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Go's profileDescriptions. */
static const char *go_description(const char *name)
{
	static const char *const d[][2] = {
		{ "allocs", "A sampling of all past memory allocations" },
		{ "block", "Stack traces that led to blocking on synchronization primitives" },
		{ "cmdline", "The command line invocation of the current program" },
		{ "goroutine", "Stack traces of all current goroutines" },
		{ "heap", "A sampling of memory allocations of live objects. You can specify the gc "
			  "GET parameter to run GC before taking the heap sample." },
		{ "mutex", "Stack traces of holders of contended mutexes" },
		{ "profile", "CPU profile. You can specify the duration in the seconds GET parameter. "
			     "After you get the profile file, use the go tool pprof command to "
			     "investigate the profile." },
		{ "threadcreate", "Stack traces that led to the creation of new OS threads" },
		{ "trace", "A trace of execution of the current program. You can specify the duration "
			   "in the seconds GET parameter. After you get the trace file, use the go tool "
			   "trace command to investigate the trace." },
	};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (!strcmp(name, d[i][0]))
			return d[i][1];
	return "";
}

/* Go's url.URL{Path: name, RawQuery: "debug=1"}.String(). */
static void index_link(FILE *f, const char *name)
{
	char esc[3 * 256 + 1];
	const char *colon = strchr(name, ':'), *slash = strchr(name, '/');

	if (!httpreq_escape_path(name, esc, sizeof(esc)))
		esc[0] = 0;
	/* A first segment with a colon would read as a scheme. */
	fprintf(f, "%s%s?debug=1", colon && (!slash || colon < slash) ? "./" : "", esc);
}

static void index_page(struct http_exchange *x)
{
	const struct dump_source *src[64];
	struct entry e[64 + 3];
	size_t n = dump_sources(src, 64), k = 0, len = 0;
	char *body = NULL;
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		e[k].name = src[i]->name;
		e[k].desc = src[i]->description ? src[i]->description : go_description(src[i]->name);
		e[k].count = src[i]->count ? src[i]->count() : 0;
		k++;
	}
	for (size_t i = 0; i < 3; i++) {
		static const char *const own[] = { "cmdline", "profile", "trace" };

		e[k].name = own[i];
		e[k].desc = go_description(own[i]);
		e[k].count = 0;
		k++;
	}
	qsort(e, k, sizeof(e[0]), by_name);
	f = open_memstream(&body, &len);
	if (!f) {
		serve_error(x, 500, "out of memory");
		return;
	}
	fputs("<html>\n<head>\n<title>/debug/pprof/</title>\n<style>\n.profile-name{\n"
	      "\tdisplay:inline-block;\n\twidth:6rem;\n}\n</style>\n</head>\n<body>\n"
	      "/debug/pprof/<br>\n<br>\nTypes of profiles available:\n<table>\n"
	      "<thead><td>Count</td><td>Profile</td></thead>\n", f);
	for (size_t i = 0; i < k; i++) {
		fprintf(f, "<tr><td>%zu</td><td><a href='", e[i].count);
		index_link(f, e[i].name);
		fputs("'>", f);
		html_escape(f, e[i].name);
		fputs("</a></td></tr>\n", f);
	}
	fputs("</table>\n<a href=\"goroutine?debug=2\">full goroutine stack dump</a>\n<br>\n<p>\n"
	      "Profile Descriptions:\n<ul>\n", f);
	for (size_t i = 0; i < k; i++) {
		fputs("<li><div class=profile-name>", f);
		html_escape(f, e[i].name);
		fputs(": </div> ", f);
		html_escape(f, e[i].desc);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</p>\n</body>\n</html>", f);
	fclose(f);
	x->resp.status = 200;
	x->resp.content_type = "text/html; charset=utf-8";
	set_body(&x->resp, body, len);
}

/* --- routing ----------------------------------------------------------------------------------- */

void pprof_serve(struct http_exchange *x)
{
	const char *path = x->req.path, *name;
	size_t cap = strlen(path) + 4;
	char *clean = malloc(cap);

	if (!clean) {
		serve_error(x, 500, "out of memory");
		return;
	}
	/* ServeMux: a path that is not clean is redirected to its clean form. */
	if (httpreq_clean_path(path, clean, cap)) {
		redirect(x, clean);
		free(clean);
		return;
	}
	free(clean);
	if (!strcmp(path, "/debug/pprof")) {
		redirect(x, PREFIX);
		return;
	}
	if (strncmp(path, PREFIX, strlen(PREFIX))) {
		x->resp.nosniff = true;
		not_found(x);
		return;
	}
	x->resp.nosniff = true;
	name = path + strlen(PREFIX);
	if (!*name)
		index_page(x);
	else if (!strcmp(name, "cmdline"))
		cmdline(x);
	else if (!strcmp(name, "profile"))
		cpu_profile(x);
	else if (!strcmp(name, "symbol"))
		symbol(x);
	else if (!strcmp(name, "trace"))
		trace(x);
	else
		named(x, name);
}
