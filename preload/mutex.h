/*
 * mutex.h: the mutex profile, as Go's: the time threads spent waiting for a contended
 * pthread mutex or rwlock, charged to the stack of the thread that held it, at its
 * unlock. mutex.c interposes the lock, timed-lock and unlock calls; an uncontended lock
 * costs one trylock. Contended acquisitions also go to the block profile (block.h).
 */
#ifndef CPROF_MUTEX_H
#define CPROF_MUTEX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Starts the mutex profile with Go's SetMutexProfileFraction meaning: on average one
 * contention event in fraction is recorded, and its values are multiplied by fraction;
 * 0 stops recording. Independent of any output path. Normal context. 0 or -errno (then
 * the profile stays off).
 */
int mutex_start(int fraction);

/*
 * Makes the lock wrappers time contended acquisitions for the block profile (or stop).
 * Called by block_start. Normal context.
 */
void mutex_watch_block(bool on);

/* Registers the named source "mutex" (dump.h), with Go's description. Normal context. */
int mutex_register(void);

/* Writes the mutex profile as of now to path. Normal context. 0 or -errno (logged). */
int mutex_write_profile(const char *path);

/* Records in the mutex profile (distinct unlock stack and thread). */
size_t mutex_count(void);

/* CPROF_STATS: one line on stderr (contentions recorded and lost). */
void mutex_print_stats(void);

/* In a fork child: forget the parent's events and its threads' waits. */
void mutex_fork_child(void);

/*
 * Charges the threads waiting for lock (a pthread_mutex_t or pthread_rwlock_t) to the
 * caller's stack, as its unlock would: pthread_cond_wait releases its mutex inside the
 * C library, where no wrapper sees it. Preserves errno. Signal context: yes.
 */
void mutex_release_sig(const void *lock);

#endif
