/*
 * report.h: what cprofrun says on stderr after the program has exited: a line per profile
 * the library wrote, summarised from the file itself with encoder/decode.h (and its top
 * functions with -top), and a line for each profile that was asked for and not written.
 */
#ifndef CPROF_LAUNCHER_REPORT_H
#define CPROF_LAUNCHER_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "handshake.h"

/* A profile the flags asked for. */
struct report_request {
	const char *kind;	/* the handshake's kind: "cpu", "heap", ... */
	const char *given;	/* the path as the user wrote it */
	const char *abs;	/* the path in the CPROF_ variable */
};

/*
 * Prints the report for a program (named prog, as the user gave it) that ran to its end.
 * When profiles were asked for and the library never said hello, prints one line saying
 * it did not initialise. Otherwise: one summary line per profile in hs (its path as the
 * user gave it when it is a requested path or one with a suffix, else as written; followed
 * by the top 10 functions when top is set), then "no KIND profile was written to 'PATH'"
 * for each request without one. Prints nothing when nothing was asked for or written.
 */
void report_print(const struct handshake *hs, const struct report_request *req, size_t n_req,
		  const char *prog, bool top);

#endif
