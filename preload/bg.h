/*
 * bg.h: the profiler's background thread. It owns the slow work (symbolization, encoding,
 * file I/O, /proc scans), blocks every signal, has no CPU timer and is left out of every
 * profile. Collectors and signal handlers wake it through a futex (no descriptor of its own).
 */
#ifndef CPROF_BG_H
#define CPROF_BG_H

#include <stdbool.h>

/*
 * Starts the thread (again, in a fork child). With wait, waits up to a second until it runs
 * (work handed to bg_run right after then runs there); a fork child does not wait, since
 * most children exec at once. Normal context. 0 or -errno.
 */
int bg_start(bool wait);

/*
 * Runs fn(arg) on the background thread and waits for it to finish; runs it in the
 * calling thread instead when there is no background thread (a fork child before it is
 * started, or the thread has ended). Gives up after limit_ms (-ETIMEDOUT), so that an exit
 * path never hangs on a lock the interrupted program holds: a job the thread has not taken
 * by then is dropped (the thread is stuck), one still running is abandoned (it finishes
 * on its own). One job at a time: a second caller waits its turn (within the same limit).
 * Normal context. 0 or -ETIMEDOUT.
 */
int bg_run(void (*fn)(void *), void *arg, int limit_ms);

/* In a fork child: the background thread is gone; forget its state, then bg_start. */
void bg_fork_child(void);

/*
 * Registers fn to run on the background thread every time it wakes: every 100 ms, and
 * at once after bg_wake_sig (a collector's dump request). Hooks must be quick or do
 * their slow work only when they have something to do. At most 16. Normal context.
 */
int bg_add_hook(void (*fn)(void));

/* Wakes the thread early (a dump request). Signal context: yes. */
void bg_wake_sig(void);

#endif
