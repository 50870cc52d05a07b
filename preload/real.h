/*
 * real.h: the libc functions cprof interposes, reached through real_<name> pointers.
 * They are all resolved in real_init() (dlsym(RTLD_NEXT)) and nowhere else. Also the
 * start-up arena that serves the malloc family while dlsym itself allocates.
 */
#ifndef CPROF_REAL_H
#define CPROF_REAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

extern int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
extern int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
extern void *(*real_dlopen)(const char *, int);
extern void *(*real_dlmopen)(long, const char *, int);
extern int (*real_dlclose)(void *);
extern void (*real__exit)(int) __attribute__((noreturn));
extern void (*real__Exit)(int) __attribute__((noreturn));

/* The C library's allocator (heap_wrap.c interposes these). */
extern void *(*real_malloc)(size_t);
extern void (*real_free)(void *);
extern void *(*real_calloc)(size_t, size_t);
extern void *(*real_realloc)(void *, size_t);
extern void *(*real_reallocarray)(void *, size_t, size_t);
extern void *(*real_memalign)(size_t, size_t);
extern int (*real_posix_memalign)(void **, size_t, size_t);
extern void *(*real_aligned_alloc)(size_t, size_t);
extern void *(*real_valloc)(size_t);
extern void *(*real_pvalloc)(size_t);
extern size_t (*real_malloc_usable_size)(void *);

/*
 * The C++ runtime's operator new and delete, by mangled name (std::align_val_t is a
 * size_t, std::nothrow_t const& a pointer). NULL while no C++ runtime is loaded.
 */
extern void *(*real__Znwm)(size_t);
extern void *(*real__Znam)(size_t);
extern void *(*real__ZnwmRKSt9nothrow_t)(size_t, const void *);
extern void *(*real__ZnamRKSt9nothrow_t)(size_t, const void *);
extern void *(*real__ZnwmSt11align_val_t)(size_t, size_t);
extern void *(*real__ZnamSt11align_val_t)(size_t, size_t);
extern void *(*real__ZnwmSt11align_val_tRKSt9nothrow_t)(size_t, size_t, const void *);
extern void *(*real__ZnamSt11align_val_tRKSt9nothrow_t)(size_t, size_t, const void *);
extern void (*real__ZdlPv)(void *);
extern void (*real__ZdaPv)(void *);
extern void (*real__ZdlPvm)(void *, size_t);
extern void (*real__ZdaPvm)(void *, size_t);
extern void (*real__ZdlPvRKSt9nothrow_t)(void *, const void *);
extern void (*real__ZdaPvRKSt9nothrow_t)(void *, const void *);
extern void (*real__ZdlPvSt11align_val_t)(void *, size_t);
extern void (*real__ZdaPvSt11align_val_t)(void *, size_t);
extern void (*real__ZdlPvmSt11align_val_t)(void *, size_t, size_t);
extern void (*real__ZdaPvmSt11align_val_t)(void *, size_t, size_t);
extern void (*real__ZdlPvSt11align_val_tRKSt9nothrow_t)(void *, size_t, const void *);
extern void (*real__ZdaPvSt11align_val_tRKSt9nothrow_t)(void *, size_t, const void *);

/*
 * Resolves every real_ pointer (idempotent, thread-safe). Interposed functions call it when
 * they find their pointer NULL, because other libraries' constructors may call them before
 * cprof's own constructor has run. Returns 0, or -ENOSYS if a required symbol is missing.
 */
int real_init(void);

/*
 * For the malloc family's wrappers that find their real_ pointer NULL: runs real_init,
 * unless the calling thread is inside real_init already (dlsym itself is allocating; the
 * caller then serves the request from the arena). 0 when the allocator's pointers are
 * set, -EBUSY or -ENOSYS when the caller must use the arena.
 */
int real_init_alloc(void);

/*
 * Looks for the C++ runtime's operators again (one loaded after start-up, possibly
 * RTLD_LOCAL into a plugin's scope). Called by an operator wrapper whose pointer is NULL;
 * a no-op after the first success. 0, or -ENOSYS when no C++ runtime can be found.
 */
int real_init_cxx(void);

/* The arena: static memory, handed out once and never reused (free ignores it). */
extern char real_arena[CPROF_ARENA_BYTES];

/*
 * n bytes aligned to align (a power of two) from the arena, zeroed; NULL when it is
 * exhausted. Signal context: yes.
 */
void *real_arena_alloc_sig(size_t n, size_t align);

/* The size asked for a block of the arena. Signal context: yes. */
size_t real_arena_size_sig(const void *p);

/* True when p is in the arena. Signal context: yes. */
static inline bool real_arena_owns_sig(const void *p)
{
	return (uintptr_t)p - (uintptr_t)real_arena < sizeof(real_arena);
}

#endif
