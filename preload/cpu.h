/*
 * cpu.h: the CPU profile. Each registered thread gets a timer on its own CPU-time clock
 * that sends SIGPROF to that thread only (SIGEV_THREAD_ID), so every thread is sampled in
 * proportion to the CPU it uses. Each sample re-arms the timer for a random interval
 * around the period (so periodic programs cannot alias with the sampler) and weighs the
 * sample with the CPU time the thread used since its previous one: the CPU time in the
 * profile is right even where the kernel fires CPU timers only at its tick (250 Hz).
 */
#ifndef CPROF_CPU_H
#define CPROF_CPU_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "records.h"

struct profile;
struct thread;
struct cpu_window;

/* What a CPU profile is built from; counters grow monotonically. */
struct cpu_state {
	struct records records;	/* key: stack, tid, name, labels; values: samples, CPU ns */
	int64_t period_ns;	/* the requested mean interval, 1e9/hz */
	_Atomic int64_t n_signals;	/* samples taken */
	_Atomic int64_t cpu_ns;		/* the CPU time they stand for */
	_Atomic int64_t n_lost;		/* samples that could not be recorded */
	_Atomic int64_t lost_cpu_ns;
	_Atomic int64_t handler_ns;	/* CPU time spent in the handler (with CPROF_STATS) */
	_Atomic int64_t handler_max_ns;
	int64_t start_realtime_ns;	/* wall clock when sampling started */
	int64_t start_monotonic_ns;
};

extern struct cpu_state cpu;

/*
 * Reserves the record table and takes SIGPROF (sigs.h) without arming any timer, so that
 * windows opened later start the sampler without racing the program's own sigaction
 * calls. Called by cpu_start, and at start-up when the HTTP server or the periodic writer
 * may open windows. Idempotent. Normal context. 0 or -errno.
 */
int cpu_prepare(void);

/*
 * Starts CPU profiling at env.hz: installs the handler and arms a timer for every
 * registered thread. Normal context. 0 or -errno (then CPU profiling stays off).
 */
int cpu_start(void);

/* Stops every timer and waits until no handler is running. Normal context. */
void cpu_stop(void);

/*
 * Writes the CPU profile (everything since cpu_start) to path: Go's sample types
 * samples/count and cpu/nanoseconds. Normal context. 0 or -errno (logged).
 */
int cpu_write_profile(const char *path);

/*
 * Opens a window on the CPU profile: starts the sampler if it is not running (it runs
 * while any window is open, and from start to exit when CPROF_CPU is set) and takes a
 * reading of the records. *out is malloc'd and the caller's until cpu_window_end or
 * cpu_window_cancel. Normal context. 0 or -errno (the sampler cannot start, no memory).
 */
int cpu_window_begin(struct cpu_window **out);

/*
 * Closes w and builds the profile of the samples taken in it: Go's CPU profile with
 * time_nanos when w opened and duration_nanos its length. With next, a new window opens
 * at the very reading that closed w, so that consecutive windows lose and repeat no
 * sample (*next is NULL when out of memory; w is closed anyway). Frees w. NULL when the
 * profile cannot be built (logged). Normal context.
 */
struct profile *cpu_window_end(struct cpu_window *w, struct cpu_window **next);

/* Closes w without building anything (nobody wants it any more); NULL is allowed. */
void cpu_window_cancel(struct cpu_window *w);

/* True between cpu_start and cpu_stop. */
bool cpu_running(void);

/* Arms / deletes t's timer; called by the registry with its lock held. Normal context. */
void cpu_thread_start(struct thread *t);
void cpu_thread_stop(struct thread *t);

/*
 * In a fork child: forget the parent's samples and its windows, start the clock again; the
 * sampler keeps running only when CPROF_CPU asked for a profile (the child writes its own).
 */
void cpu_fork_child(void);

/*
 * The handler's entry point, called by sigs.c for every SIGPROF: returns false when the
 * signal is not from one of cprof's timers (then it goes to the program's handler).
 * Signal context: yes.
 */
bool cpu_signal_sig(int sig, siginfo_t *si, void *uc);

#endif
