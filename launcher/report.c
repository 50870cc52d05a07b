/*
 * report.c: the launcher's after-run report (report.h). It decodes each profile the
 * handshake named with the encoder's decoder, so a line reports what is in the file, not
 * what the library meant to write. Everything goes to stderr, after the program is gone.
 */
#include "report.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

/* value in unit ("nanoseconds", "bytes", "count", ...) as "12.34s", "1.50MB", "1234". */
static char *format_value(char *buf, size_t size, long long value, const char *unit)
{
	static const char *const bytes[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)value;
	size_t i = 0;

	if (strcmp(unit, "nanoseconds") == 0)
		snprintf(buf, size, "%.2fs", v / 1e9);
	else if (strcmp(unit, "microseconds") == 0)
		snprintf(buf, size, "%.2fs", v / 1e6);
	else if (strcmp(unit, "milliseconds") == 0)
		snprintf(buf, size, "%.2fs", v / 1e3);
	else if (strcmp(unit, "seconds") == 0)
		snprintf(buf, size, "%llds", value);
	else if (strcmp(unit, "bytes") == 0 && (value >= 1024 || value <= -1024)) {
		while ((v >= 1024 || v <= -1024) && i + 1 < sizeof(bytes) / sizeof(bytes[0])) {
			v /= 1024;
			i++;
		}
		snprintf(buf, size, "%.2f%s", v, bytes[i]);
	} else if (strcmp(unit, "bytes") == 0)
		snprintf(buf, size, "%lldB", value);
	else if (strcmp(unit, "count") == 0 || *unit == '\0')
		snprintf(buf, size, "%lld", value);
	else
		snprintf(buf, size, "%lld %s", value, unit);
	return buf;
}

static bool is_time(const char *unit)
{
	return strcmp(unit, "nanoseconds") == 0 || strcmp(unit, "microseconds") == 0 ||
	       strcmp(unit, "milliseconds") == 0 || strcmp(unit, "seconds") == 0;
}

/* The "samples"/"count" type's index (Go's CPU profile has one), or n_sample_types. */
static size_t samples_index(const struct dprofile *p)
{
	for (size_t i = 0; i < p->n_sample_types; i++)
		if (strcmp(p->sample_types[i].type, "samples") == 0 &&
		    strcmp(p->sample_types[i].unit, "count") == 0)
			return i;
	return p->n_sample_types;
}

static void summary(const char *kind, const char *shown, const struct dprofile *p)
{
	size_t si = samples_index(p), di = decode_default_index(p);
	long long n = si < p->n_sample_types ? (long long)decode_total(p, si) : (long long)p->n_samples;
	char value[64], duration[64];

	fprintf(stderr, "cprofrun: %s profile: %s (%lld sample%s", kind, shown, n, n == 1 ? "" : "s");
	if (di < p->n_sample_types && di != si) {
		const struct dvaluetype *t = &p->sample_types[di];

		format_value(value, sizeof(value), (long long)decode_total(p, di), t->unit);
		fprintf(stderr, ", %s %s", value, strcmp(t->type, "cpu") == 0 ? "CPU" : t->type);
		if (is_time(t->unit) && p->duration_nanos > 0)
			fprintf(stderr, " over %s", format_value(duration, sizeof(duration),
				(long long)p->duration_nanos, "nanoseconds"));
	}
	fputs(")\n", stderr);
}

/* The request whose file is path, or path plus a ".suffix" (snapshots, forks), or NULL. */
static const struct report_request *request_of(const char *path, const struct report_request *req,
					       size_t n_req, const char **suffix)
{
	for (size_t i = 0; i < n_req; i++) {
		size_t len = strlen(req[i].abs);

		if (strncmp(path, req[i].abs, len) == 0 && (path[len] == '\0' || path[len] == '.')) {
			*suffix = path + len;
			return &req[i];
		}
	}
	return NULL;
}

/*
 * One of cprof's text forms (the thread dump of -threads=FILE.txt, Go's debug=1 texts
 * from cprof_write_profile): true, with the number of "thread " blocks in *threads,
 * when path starts as one of them does.
 */
static bool is_text(const char *path, long *threads)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	bool text = false;

	*threads = 0;
	if (f && fgets(line, sizeof(line), f))
		text = !strncmp(line, "thread ", 7) || !strncmp(line, "--- ", 4) ||
		       !strncmp(line, "heap profile: ", 14) || strstr(line, " profile: total ");
	*threads = text && !strncmp(line, "thread ", 7);
	while (text && fgets(line, sizeof(line), f))
		*threads += strncmp(line, "thread ", 7) == 0;
	if (f)
		fclose(f);
	return text;
}

static void report_one(const struct handshake_profile *hp, const struct report_request *req,
		       size_t n_req, bool top)
{
	const char *suffix = "";
	const struct report_request *r = request_of(hp->path, req, n_req, &suffix);
	struct dprofile *p;
	char shown[HANDSHAKE_LINE_MAX + PATH_MAX], err[256];

	snprintf(shown, sizeof(shown), "%s%s", r ? r->given : hp->path, suffix);
	if (decode_file(hp->path, &p, err, sizeof(err)) != 0) {
		long threads;

		if (is_text(hp->path, &threads) && threads)
			fprintf(stderr, "cprofrun: %s profile: %s (text, %ld threads)\n", hp->kind, shown,
				threads);
		else if (is_text(hp->path, &threads))
			fprintf(stderr, "cprofrun: %s profile: %s (text)\n", hp->kind, shown);
		else
			fprintf(stderr, "cprofrun: %s profile '%s' is unreadable: %s\n", hp->kind,
				shown, err);
		return;
	}
	summary(hp->kind, shown, p);
	if (top)
		decode_top(stderr, p, decode_default_index(p), 10);
	decode_free(p);
}

static bool was_written(const struct handshake *hs, const struct report_request *r)
{
	for (size_t i = 0; i < hs->n_profiles; i++) {
		const char *suffix;

		if (strcmp(hs->profiles[i].kind, r->kind) == 0 &&
		    request_of(hs->profiles[i].path, r, 1, &suffix))
			return true;
	}
	return false;
}

void report_print(const struct handshake *hs, const struct report_request *req, size_t n_req,
		  const char *prog, bool top)
{
	if (hs->hello && strcmp(hs->version, CPROF_VERSION) != 0)
		fprintf(stderr, "cprofrun: libcprof.so is version %s, cprofrun is version %s\n",
			hs->version, CPROF_VERSION);
	if (n_req > 0 && !hs->hello && hs->n_profiles == 0) {
		fprintf(stderr, "cprofrun: libcprof.so did not initialise in '%s'; no profile was written\n",
			prog);
		return;
	}
	for (size_t i = 0; i < hs->n_profiles; i++)
		report_one(&hs->profiles[i], req, n_req, top);
	for (size_t i = 0; i < n_req; i++)
		if (!was_written(hs, &req[i]))
			fprintf(stderr, "cprofrun: no %s profile was written to '%s'\n", req[i].kind,
				req[i].given);
}
