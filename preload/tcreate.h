/*
 * tcreate.h: the threadcreate profile (Go's): the stack of every pthread_create call that
 * created a thread, counted per stack (C++ std::thread and libraries' threads included:
 * they all come through the interposed pthread_create). Named source "threadcreate".
 */
#ifndef CPROF_TCREATE_H
#define CPROF_TCREATE_H

/* Reserves the table and registers the source. Normal context, at start-up. 0 or -errno. */
int tcreate_init(void);

/* In a fork child: forget the parent's threads (the child writes its own profile). */
void tcreate_fork_child(void);

/* Writes the profile (everything since start-up) to path. 0 or -errno (logged). */
int tcreate_write(const char *path);

/*
 * Counts one thread created by the caller of pthread_create (the wrapper calls it after
 * the real call succeeded). Never blocks or allocates; a full table counts a drop.
 * Signal context: yes.
 */
void tcreate_record_sig(void);

#endif
