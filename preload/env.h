/*
 * env.h: the CPROF_* environment contract, parsed once at start-up. Every variable, its
 * default and its bounds are in the table in env.c (docs/environment.md mirrors it).
 * A malformed value is reported once ("cprof: ...") and replaced by its default.
 */
#ifndef CPROF_ENV_H
#define CPROF_ENV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A custom profile to write at exit (CPROF_PROFILES: NAME=PATH,NAME=PATH...). */
struct env_profile {
	char name[64];
	const char *path;	/* absolute (with ".PID" in a fork child) */
};

struct env {
	const char *cpu_path;	/* CPROF_CPU, absolute, or NULL */
	const char *threads_path;	/* CPROF_THREADS, or NULL */
	bool threads_text;		/* it ends in ".txt": the thread dump, not protobuf */
	const char *threadcreate_path;	/* CPROF_THREADCREATE, or NULL */
	struct env_profile profiles[32];	/* CPROF_PROFILES */
	int n_profiles;
	const char *heap_path;	/* CPROF_HEAP, absolute, or NULL */
	const char *allocs_path;	/* CPROF_ALLOCS, absolute, or NULL */
	int memrate;		/* CPROF_MEMRATE: mean bytes between heap samples */
	int dump_signal;	/* CPROF_SIGNAL: snapshots of heap and allocs on this signal */
	int hz;			/* CPROF_HZ */
	const char *mutex_path;	/* CPROF_MUTEX, absolute, or NULL */
	int mutex_fraction;	/* CPROF_MUTEXFRACTION */
	const char *block_path;	/* CPROF_BLOCK, absolute, or NULL */
	int block_rate;		/* CPROF_BLOCKRATE, nanoseconds */
	int depth;		/* CPROF_DEPTH */
	const char *handshake;	/* CPROF_HANDSHAKE_FD ("fd:inode"), or NULL */
	int stats;		/* CPROF_STATS: print the profiler's own costs at exit */
	const char *http;	/* CPROF_HTTP: where to serve /debug/pprof/, or NULL */
	int http_public;	/* CPROF_HTTP_PUBLIC: a non-loopback CPROF_HTTP is allowed */
	int64_t period_ns;	/* CPROF_PERIOD: continuous profiling every period, 0 off */
	const char *outdir;	/* CPROF_OUTDIR, absolute, or NULL */
	int keep;		/* CPROF_KEEP: files of each kind kept in outdir */
	int test_source;	/* CPROF_TEST_SOURCE: tests only (testsource.h) */
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
