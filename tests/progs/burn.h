/*
 * burn.h: helpers for the programs under tests/progs: spend a known amount of this
 * thread's CPU time inside the calling function (always inlined, so samples land in it).
 */
#ifndef BURN_H
#define BURN_H

#include <stdint.h>
#include <time.h>

static volatile uint64_t burn_sink;

static inline int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t process_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins until this thread has used ns more nanoseconds of CPU. */
#define BURN_NS(ns) do {							\
	int64_t burn_end_ = thread_cpu_ns() + (ns);				\
	while (thread_cpu_ns() < burn_end_)					\
		for (int burn_i_ = 0; burn_i_ < 20000; burn_i_++)		\
			burn_sink += (uint64_t)burn_i_ * 2654435761u;		\
} while (0)

#endif
