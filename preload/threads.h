/*
 * threads.h: the thread registry. Every thread the profiler samples has a slot: threads
 * created through pthread_create register themselves in a start wrapper (and leave at
 * exit through a key destructor); threads that existed before start-up or that bypass
 * pthread_create are found in /proc/self/task. A slot holds what signal handlers need
 * without allocating: the tid, the stack top, the CPU timer and preallocated PC buffers.
 */
#ifndef CPROF_THREADS_H
#define CPROF_THREADS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"

enum { SLOT_FREE, SLOT_LIVE };

struct thread {
	_Atomic int state;
	pid_t tid;
	bool self_registered;	/* registered by its own start wrapper */
	uint64_t stack_lo;	/* its stack is [stack_lo, stack_hi), 0, 0 if unknown */
	uint64_t stack_hi;
	_Atomic int timer;	/* kernel CPU timer id, or -1 */
	int64_t cpu_ns_last;	/* the thread's CPU clock at its last sample */
	int64_t armed_ns;	/* the interval the timer was last armed for */
	int64_t late_ns;	/* average delivery delay past it (the kernel's tick) */
	uint64_t rng;		/* xorshift state for the sampling intervals */
	uint32_t name_id;	/* interned name, 0 until known */
	_Atomic uint32_t labels;	/* the thread's label set (labels.c), for the snapshot */
	uint32_t name_checks;
	uint64_t *pcs_sig;	/* CPROF_DEPTH PCs for signal handlers */
	uint64_t *pcs;		/* CPROF_DEPTH PCs for interposed functions */
	size_t buf_bytes;
};

/* Per-thread state of the profiler itself. */
struct tls {
	struct thread *self;	/* this thread's slot, or NULL */
	int in_cprof;		/* > 0 while the profiler runs on this thread */
	uint64_t stack_lo;	/* its stack once registered, kept after the slot is */
	uint64_t stack_hi;	/* released (destructors still run on it), or 0, 0 */
};

extern CPROF_TLS struct tls cprof_tls;

/*
 * Creates the registry, registers the calling thread and every other thread already in
 * /proc/self/task. Normal context, at start-up. 0 or -errno.
 */
int threads_init(void);

/*
 * Registers threads in /proc/self/task that have no slot (started through clone without
 * pthread_create), and frees the slots of threads that have gone. Normal context.
 * Returns how many threads were added.
 */
int threads_rescan(void);

/* Marks the calling thread as the profiler's own: never registered, never sampled. */
void threads_exclude_self(void);

/*
 * Lists the tids in /proc/self/task into tids[0..max); returns how many, or -errno.
 * Normal context.
 */
int threads_list(pid_t *tids, int max);

/* True for the profiler's own threads (threads_exclude_self). Normal context. */
bool threads_excluded(pid_t tid);

/* Calls fn for every live slot, under the registry lock. Normal context. */
void threads_foreach(void (*fn)(struct thread *t, void *arg), void *arg);

/* The calling thread's slot, or NULL if it has none. Signal context: yes. */
struct thread *threads_self_sig(void);

/*
 * p if it points at a slot of the registry, else NULL: signals that carry a slot pointer
 * (the CPU timers') are told from the program's own this way. Signal context: yes.
 */
struct thread *threads_slot_sig(void *p);

/* The interned name of t's thread (refreshed now and then), 0 if unknown. Signal context: yes. */
uint32_t threads_name_sig(struct thread *t);

/* Copies the name with id name_id into buf (16 bytes, NUL-terminated); "" if unknown. */
void threads_name(uint32_t name_id, char buf[16]);

void threads_fork_prepare(void);
void threads_fork_parent(void);
/* In a fork child: only the calling thread is left; its slot survives. */
void threads_fork_child(void);

#endif
