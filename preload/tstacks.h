/*
 * tstacks.h: the threads profile (Go's goroutine profile): a snapshot of the stack of
 * every live thread of the program, threads with identical stacks, names, states and
 * labels counted together. Threads blocked in the kernel are read from outside, without
 * a signal (so no blocking call of theirs is ever interrupted); running threads capture
 * their own stack in a handler for SIGRTMAX. Named source "goroutine".
 */
#ifndef CPROF_TSTACKS_H
#define CPROF_TSTACKS_H

#include <stdbool.h>
#include <stdint.h>

struct profile;

/* Registers the "goroutine" source. Normal context, at start-up. 0 or -errno. */
int tstacks_init(void);

/*
 * Takes a snapshot now and builds its profile: sample type goroutine/count; labels
 * thread (name), state ("running", "sleeping", "disk wait", "stopped", ...), one tid per
 * thread, and the thread's own labels (cprof.h). A thread it cannot read (blocks the
 * signal, does not answer within CPROF_SNAPSHOT_WAIT_MS, exiting) gets a one-frame stack
 * naming why, and a log line. One snapshot at a time; cprof's own threads are left out.
 * NULL when out of memory (logged). Normal context, from any thread.
 */
struct profile *tstacks_build(void);

/*
 * Takes a snapshot and writes it to path: the thread dump (legacy_threads_text: one
 * block per thread) when text is set, else the gzipped protobuf. The launcher is told
 * "profile threads PATH". 0 or -errno (logged). Normal context.
 * The dump signal writes numbered snapshots with tstacks_write(numbered_path,
 * env.threads_text).
 */
int tstacks_write(const char *path, bool text);

/*
 * What the snapshots did to running threads' system calls (CPROF_STATS): calls the
 * signal interrupted that the handler restarted, and those it could not restart.
 */
void tstacks_stats(int64_t *restarted, int64_t *interrupted);

#endif
