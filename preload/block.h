/*
 * block.h: the block profile, as Go's: where threads waited, each stack charged with the
 * time its thread spent blocked. block.c interposes the calls that wait (condition
 * variables, joins, barriers, semaphores, sleeps, and the system calls that wait on
 * descriptors or children); mutex.c reports contended lock acquisitions here. Every event
 * is labelled with the call that blocked (call=read), so -tagfocus=call=read works.
 */
#ifndef CPROF_BLOCK_H
#define CPROF_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h"

/* The calls an event can come from: the call= label (block.c names them). */
enum block_call {
	BLOCK_MUTEX_LOCK,
	BLOCK_MUTEX_TIMEDLOCK,
	BLOCK_MUTEX_CLOCKLOCK,
	BLOCK_RWLOCK_RDLOCK,
	BLOCK_RWLOCK_TIMEDRDLOCK,
	BLOCK_RWLOCK_CLOCKRDLOCK,
	BLOCK_RWLOCK_WRLOCK,
	BLOCK_RWLOCK_TIMEDWRLOCK,
	BLOCK_RWLOCK_CLOCKWRLOCK,
	BLOCK_COND_WAIT,
	BLOCK_COND_TIMEDWAIT,
	BLOCK_COND_CLOCKWAIT,
	BLOCK_JOIN,
	BLOCK_BARRIER_WAIT,
	BLOCK_SEM_WAIT,
	BLOCK_SEM_TIMEDWAIT,
	BLOCK_SEM_CLOCKWAIT,
	BLOCK_NANOSLEEP,
	BLOCK_CLOCK_NANOSLEEP,
	BLOCK_SLEEP,
	BLOCK_USLEEP,
	BLOCK_READ,
	BLOCK_WRITE,
	BLOCK_READV,
	BLOCK_WRITEV,
	BLOCK_PREAD,
	BLOCK_PWRITE,
	BLOCK_RECV,
	BLOCK_RECVFROM,
	BLOCK_RECVMSG,
	BLOCK_SEND,
	BLOCK_SENDTO,
	BLOCK_SENDMSG,
	BLOCK_ACCEPT,
	BLOCK_ACCEPT4,
	BLOCK_CONNECT,
	BLOCK_POLL,
	BLOCK_PPOLL,
	BLOCK_SELECT,
	BLOCK_PSELECT,
	BLOCK_EPOLL_WAIT,
	BLOCK_EPOLL_PWAIT,
	BLOCK_WAIT,
	BLOCK_WAITPID,
	BLOCK_WAITID,
	BLOCK_FLOCK,
	BLOCK_FCNTL,
	BLOCK_CALLS
};

/*
 * Starts recording blocking events at rate_ns, Go's SetBlockProfileRate: an event that
 * lasted at least rate_ns is always recorded, a shorter one with probability
 * duration/rate_ns (then counted as rate_ns/duration events of rate_ns each, which
 * removes the sampling bias); 1 records every event, 0 stops recording; rates above
 * CPROF_BLOCKRATE_MAX (1 s) are taken as it. Independent of
 * any output path (the exit path and the HTTP server both call it). Normal context.
 * 0 or -errno (then the profile stays off).
 */
int block_start(int64_t rate_ns);

/* Registers the named source "block" (dump.h), with Go's description. Normal context. */
int block_register(void);

/* Writes the block profile as of now to path. Normal context. 0 or -errno (logged). */
int block_write_profile(const char *path);

/* Records in the block profile (distinct stack, thread, call). */
size_t block_count(void);

/* CPROF_STATS: one line on stderr (events, losses, the clock the wrappers use). */
void block_print_stats(void);

/* In a fork child: forget the parent's events. */
void block_fork_child(void);

/*
 * A wait of ns nanoseconds from call, at the caller's stack, sampled at the current rate
 * (nothing when the profile is off or the profiler itself is calling). Preserves errno.
 * Signal context: yes.
 */
void block_event_sig(enum block_call call, int64_t ns);

/*
 * Fills k with the record key of the calling thread's current stack (libcprof.so's own
 * frames left out), the thread and its label set, and w2 in k->w[2]. Uses the thread's
 * buffer for interposed functions: the caller holds cprof_tls.in_cprof raised. False
 * when the thread has no slot or the stack table is full. Signal context: yes.
 */
bool block_key_sig(struct records_key *k, uint64_t w2);

/* The monotonic clock in nanoseconds. Signal context: yes. */
int64_t block_now_sig(void);

#endif
