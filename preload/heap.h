/*
 * heap.h: the heap and allocs profiles, sampled as Go samples them: every thread counts
 * down a random number of bytes (exponentially distributed, mean -memrate) and records
 * the allocation that reaches zero, with its stack, in a table keyed by (stack, thread,
 * labels, size); the block goes into a live table so that its free is charged back.
 * heap_wrap.c holds the interposed allocator functions; they call what is declared here.
 */
#ifndef CPROF_HEAP_H
#define CPROF_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "limits.h"

/* Per-thread sampler state. Initial-exec TLS: the wrappers' fast path is one decrement. */
struct heap_tls {
	uint64_t left;		/* bytes still to allocate before the next sample */
	uint64_t rng;		/* xorshift state; 0 until the thread's first sample */
	int nest;		/* > 0 while a wrapper runs a real function (see heap_nest_enter_sig) */
};

extern CPROF_TLS struct heap_tls heap_tls;

/*
 * One counter per page (CPROF_HEAP_FILTER_SHIFT): how many sampled blocks start there
 * (255 sticks); NULL until heap_start. Small enough to stay in the caches, so that free
 * of a block that was never sampled costs one byte load that hits.
 */
extern _Atomic uint8_t *_Atomic heap_filter;

/*
 * Starts sampling at one sample per rate bytes on average (1: every allocation) and
 * registers the named sources "heap" and "allocs". Does not depend on an output path
 * (the HTTP server starts it too). Idempotent: a second call keeps the first rate.
 * The calling thread samples from its next allocation on; other threads that allocated
 * before (a library constructor's) after at most 16 KiB more. Call it from start-up,
 * before heap_stay_off. Normal context. 0 or -errno (then nothing is sampled).
 */
int heap_start(int64_t rate);

/*
 * Tells the sampler that nothing will start heap sampling in this process (it is dormant,
 * or no profile needs it): threads stop checking, so an allocation costs the wrappers
 * one decrement. Call after every collector that may call heap_start has started; a
 * heap_start after it only sees threads that had not allocated yet. Normal context.
 */
void heap_stay_off(void);

/* True once heap_start succeeded. */
bool heap_running(void);

/*
 * Writes the heap (name "heap") or allocs (name "allocs") profile as of now to path:
 * Go's four sample types, un-sampled as Go does. Normal context. 0 or -errno (logged).
 */
int heap_write_profile(const char *path, const char *name);

/* True when an allocation was recorded since start (or since fork, in a child). */
bool heap_sampled(void);

/* One line of the profiler's own heap costs for CPROF_STATS (into buf). */
void heap_stats(char *buf, size_t size);

/*
 * In a fork child (single-threaded): the child keeps the inherited records and live
 * blocks (it inherited the heap too) but counts its own samples from zero.
 */
void heap_fork_child(void);

/*
 * The slow path of an allocation of n bytes that returned p (the countdown ran out):
 * records it when this thread may, and draws the next countdown. Returns p.
 * Signal context: yes.
 */
void *heap_sample_sig(void *p, size_t n);

/*
 * Removes p from the live table; returns the record it was charged to, or 0 when p was
 * not sampled. The free is not counted yet (see heap_freed_sig). Signal context: yes.
 */
uint32_t heap_take_sig(void *p);

/* Counts the free of a block charged to record id (from heap_take_sig). Signal context: yes. */
void heap_freed_sig(uint32_t id);

/*
 * Puts p back as charged to record id (the realloc that took it failed, p is still
 * allocated); counts it as freed when the table has no room. Signal context: yes.
 */
void heap_untake_sig(void *p, uint32_t id);

/* Index of p's page in heap_filter. Signal context: yes. */
static inline size_t heap_filter_index_sig(const void *p)
{
	return ((uintptr_t)p >> CPROF_HEAP_FILTER_SHIFT) & (CPROF_HEAP_FILTER_MAX - 1);
}

/*
 * Accounts an allocation of n bytes that returned p: the fast path is one compare and
 * one decrement of a thread-local countdown. Returns p. Signal context: yes.
 */
static inline void *heap_account_sig(void *p, size_t n)
{
	if (likely(n < heap_tls.left)) {
		heap_tls.left -= n;
		return p;
	}
	return heap_sample_sig(p, n);
}

/*
 * heap_take_sig for p, behind the filter: a block that was never sampled costs one byte
 * load (and p non-NULL, not from the arena). Signal context: yes.
 */
static inline uint32_t heap_take_maybe_sig(void *p)
{
	_Atomic uint8_t *f = atomic_load_explicit(&heap_filter, memory_order_relaxed);

	if (likely(!f) ||
	    likely(!atomic_load_explicit(&f[heap_filter_index_sig(p)], memory_order_relaxed)))
		return 0;
	return heap_take_sig(p);
}

/*
 * Around a wrapper's call of a real allocation function that may call others through
 * the PLT (glibc's reallocarray calls realloc; operator new calls malloc): the inner
 * calls neither record nor count down, so every allocation is accounted for once, by
 * the outermost wrapper. enter returns the countdown that leave restores.
 * Signal context: yes.
 */
static inline uint64_t heap_nest_enter_sig(void)
{
	heap_tls.nest++;
	return heap_tls.left;
}

static inline void heap_nest_leave_sig(uint64_t saved)
{
	heap_tls.left = saved;
	heap_tls.nest--;
}

#endif
