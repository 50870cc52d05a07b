/*
 * env.h: the CPROF_* environment contract, parsed once at start-up. Every variable, its
 * default and its bounds are in the table in env.c (docs/environment.md mirrors it).
 * A malformed value is reported once ("cprof: ...") and replaced by its default.
 */
#ifndef CPROF_ENV_H
#define CPROF_ENV_H

#include <stdbool.h>
#include <sys/types.h>

struct env {
	const char *cpu_path;	/* CPROF_CPU, absolute, or NULL */
	const char *heap_path;	/* CPROF_HEAP, absolute, or NULL */
	const char *allocs_path;	/* CPROF_ALLOCS, absolute, or NULL */
	int memrate;		/* CPROF_MEMRATE: mean bytes between heap samples */
	int dump_signal;	/* CPROF_SIGNAL: snapshots of heap and allocs on this signal */
	int hz;			/* CPROF_HZ */
	int depth;		/* CPROF_DEPTH */
	const char *handshake;	/* CPROF_HANDSHAKE_FD ("fd:inode"), or NULL */
	int stats;		/* CPROF_STATS: print the profiler's own costs at exit */
	bool dormant;		/* CPROF_PID names another process: do nothing */
};

extern struct env env;

/* Parses the environment into env. Normal context (constructor). 0 or -errno. */
int env_init(void);

/*
 * Gives every output path the suffix ".PID" (a forked child writes its own profiles).
 * Normal context, single-threaded (the fork child handler).
 */
void env_fork_child(pid_t pid);

#endif
