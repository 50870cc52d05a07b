/*
 * real.h: the libc functions cprof interposes, reached through real_<name> pointers.
 * They are all resolved in real_init() (dlsym(RTLD_NEXT)) and nowhere else.
 */
#ifndef CPROF_REAL_H
#define CPROF_REAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

extern int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
extern int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
extern void *(*real_dlopen)(const char *, int);
extern void *(*real_dlmopen)(long, const char *, int);
extern int (*real_dlclose)(void *);
extern void (*real__exit)(int) __attribute__((noreturn));
extern void (*real__Exit)(int) __attribute__((noreturn));

/*
 * Resolves every real_ pointer (idempotent, thread-safe). Interposed functions call it when
 * they find their pointer NULL, because other libraries' constructors may call them before
 * cprof's own constructor has run. Returns 0, or -ENOSYS if a required symbol is missing.
 */
int real_init(void);

#endif
