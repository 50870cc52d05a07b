/*
 * cprof.h: the optional public API of cprof, for C and C++ programs.
 *
 * A program that includes this header needs no library at link time: every function
 * here looks up libcprof.so's entry point at run time (dlsym), once, and does nothing
 * when the program is not running under the profiler. So the same binary runs unchanged,
 * and fast, with or without cprof.
 */
#ifndef CPROF_H
#define CPROF_H

#include <dlfcn.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CPROF_API_VERSION 1

/* Internal: the entry point `name` of libcprof.so, or NULL when it is not loaded. */
static inline void *cprof__lookup(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

/*
 * True when libcprof.so is loaded into this process and profiling it (false in
 * processes it leaves alone, such as programs exec'd by the profiled one).
 */
static inline int cprof_enabled(void)
{
	static int (*fn)(void);
	static int looked;

	if (!__atomic_load_n(&looked, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&fn, (int (*)(void))cprof__lookup("cprof_enabled_v1"),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&looked, 1, __ATOMIC_RELEASE);
	}
	return fn ? fn() : 0;
}

#ifdef __cplusplus
}
#endif

#endif
