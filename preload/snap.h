/*
 * snap.h: snapshots on the dump signal (-signal, SIGUSR2 by default). Each delivery
 * writes a numbered snapshot of every profile that registered for one: PATH.1, PATH.2,
 * ... while the profile at exit goes to PATH itself. The handler only counts the request
 * and wakes the background thread, which writes the files; requests that arrive while a
 * snapshot is pending are merged into it.
 *
 * Numbering: one number per snapshot, the same for every profile in it, starting at 1 in
 * each process (a fork child's paths end in .PID) and skipping any number for which one
 * of the files exists already, so a snapshot never overwrites a file. The program shares
 * the signal (sigs.h, sigs_share): a handler it installed still runs on every delivery.
 */
#ifndef CPROF_SNAP_H
#define CPROF_SNAP_H

/*
 * Registers a profile for snapshots: on each dump signal, write(path_with_number, arg)
 * runs on the background thread (it writes the file and tells the launcher, as
 * dump_write does; 0 or -errno). kind names the profile in logs. path must stay valid
 * (env's paths do; they change in place in a fork child). The first registration takes
 * the dump signal (env.dump_signal). Normal context. 0 or -errno (logged).
 */
int snap_register(const char *kind, const char *path, int (*write)(const char *path, void *arg),
		  void *arg);

/* Snapshots written so far in this process. */
unsigned snap_count(void);

/* In a fork child: numbering starts again, pending requests are the parent's. */
void snap_fork_child(void);

#endif
