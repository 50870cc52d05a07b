/*
 * pprof.h: Go's net/http/pprof, served from inside the profiled process: the handler
 * http.c runs for every request. Routes, parameters, headers, statuses and error texts
 * are Go 1.19's; the profiles are the named sources registered with dump.h and CPU
 * profiles over a window (cpu.h). Normal context (the server's worker threads).
 */
#ifndef CPROF_PPROF_H
#define CPROF_PPROF_H

#include <stdbool.h>

struct http_exchange;

/*
 * Serves one request: /debug/pprof/ (the index), cmdline, profile, symbol, trace and
 * every registered profile by name (threads and goroutine are one profile), as
 * docs/user-guide.md lists them; Go's ServeMux answers for every other path (301 to the
 * clean path, 404 "404 page not found").
 */
void pprof_serve(struct http_exchange *x);

/*
 * Whether /debug/pprof/NAME?seconds=N answers a delta profile: Go's six (allocs, block,
 * goroutine, heap, mutex, threadcreate), threads (goroutine's other name) and the test
 * source (testsource.h).
 */
bool pprof_supports_delta(const char *name);

#endif
