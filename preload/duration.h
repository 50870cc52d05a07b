/*
 * duration.h: durations as Go's time.ParseDuration takes them, shared by the launcher
 * (which refuses a bad -period before the program runs) and the library (which ignores a
 * bad CPROF_PERIOD). Normal context.
 */
#ifndef CPROF_DURATION_H
#define CPROF_DURATION_H

#include <stdint.h>

/*
 * Parses a duration that is not negative ("10s", "1m30s", "500ms", "1.5h", "0"): 0 with
 * *ns set, or -EINVAL (also beyond 9e18 ns).
 */
int duration_parse(const char *s, int64_t *ns);

#endif
