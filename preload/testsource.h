/*
 * testsource.h: TEST ONLY. With CPROF_TEST_SOURCE=1 the library registers a named source
 * "cprof_test" (a custom-profile shaped count of the CPU records) so that the tests of
 * the HTTP server and the periodic writer have a named profile that changes while the
 * program runs, on a branch where no other collector exists. Nothing else uses it.
 */
#ifndef CPROF_TESTSOURCE_H
#define CPROF_TESTSOURCE_H

#include <stdbool.h>

/* Registers "cprof_test" (once, at start-up, normal context). 0 or -errno. */
int testsource_register(void);

/*
 * True for the test source's name once registered: the server answers its delta
 * profiles and the periodic writer snapshots it, as they do for Go's built-in profiles.
 */
bool testsource_is(const char *name);

#endif
