/*
 * custom.h: custom profiles (cprof.h's cprof_profile_*, Go's NewProfile and friends):
 * named count profiles of live entries, each added with its creator's stack and removed
 * by key. Each is a named source (dump.h), so the exit path and the HTTP server find it.
 * custom.c also holds cprof.h's cprof_write_profile, which writes any named source.
 */
#ifndef CPROF_CUSTOM_H
#define CPROF_CUSTOM_H

/*
 * Reserves the table of entries' stacks. Until it has run, the cprof_profile_* entry
 * points do nothing. Normal context, at start-up. 0 or -errno.
 */
int custom_init(void);

/*
 * Writes the custom profile named name to path (-profile=NAME=FILE). 0; -ENOENT when the
 * program never created it (logged once), or -errno from the write (logged).
 * Normal context.
 */
int custom_write(const char *name, const char *path);

#endif
