/*
 * real.c: the real_* pointers to the functions cprof interposes, resolved once with
 * dlsym(RTLD_NEXT). Nothing else in the preload calls dlsym.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "real.h"

int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
void *(*real_dlopen)(const char *, int);
void *(*real_dlmopen)(long, const char *, int);
int (*real_dlclose)(void *);
void (*real__exit)(int) __attribute__((noreturn));
void (*real__Exit)(int) __attribute__((noreturn));

#define RESOLVE(name)	(*(void **)&real_##name = dlsym(RTLD_NEXT, #name))

int real_init(void)
{
	static _Atomic int done;
	int rc = 0;

	if (atomic_load_explicit(&done, memory_order_acquire))
		return 0;
	RESOLVE(pthread_create);
	RESOLVE(sigaction);
	RESOLVE(dlopen);
	RESOLVE(dlmopen);
	RESOLVE(dlclose);
	RESOLVE(_exit);
	RESOLVE(_Exit);
	if (!real_pthread_create || !real_sigaction || !real_dlopen || !real_dlclose ||
	    !real__exit || !real__Exit)
		rc = -ENOSYS;
	atomic_store_explicit(&done, 1, memory_order_release);
	return rc;
}
