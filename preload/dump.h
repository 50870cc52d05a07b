/*
 * dump.h: turning the collectors' records into profile files. Symbolizes with symbols.c,
 * builds with the encoder, and writes atomically: a temporary file beside the destination,
 * renamed into place, so a reader never sees half a profile and a failed write never
 * destroys an older one. Normal context (background thread or exit).
 */
#ifndef CPROF_DUMP_H
#define CPROF_DUMP_H

#include <fcntl.h>
#include <sys/types.h>

struct profile;

/* Writes the CPU profile (everything since cpu_start) to path. 0 or -errno (logged). */
int dump_cpu(const char *path);

/*
 * Serializes p gzipped and writes it to path atomically, then tells the launcher
 * ("profile <kind> <path>"). 0 or -errno; a failure is logged once per path and cause.
 */
int dump_write(const char *path, const char *kind, const struct profile *p);

/* The open seam: tests replace it to simulate failures. */
extern int (*dump_open_fn)(const char *path, int flags, mode_t mode);

#endif
