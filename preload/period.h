/*
 * period.h: continuous profiling (CPROF_PERIOD, CPROF_OUTDIR, CPROF_KEEP). Every period
 * the CPU profile of that period and a snapshot of each registered heap, mutex and block
 * profile are written to the output directory, under names that sort by time, and the
 * oldest files of each kind beyond CPROF_KEEP are deleted. Runs on the background thread.
 */
#ifndef CPROF_PERIOD_H
#define CPROF_PERIOD_H

/*
 * At start-up, after bg_start: opens the first CPU window and hooks the writer to the
 * background thread. Normal context. 0 or -errno (logged; no periodic profiles).
 */
int period_start(void);

/* At exit: writes the last, shorter period and stops. Normal context. */
void period_finish(void);

/* In a fork child: periodic profiles stay the parent's (the child writes none). */
void period_fork_child(void);

#endif
