/*
 * real.h: the libc functions cprof interposes, reached through real_<name> pointers.
 * They are all resolved in real_init() (dlsym(RTLD_NEXT)) and nowhere else. Also the
 * start-up arena that serves the malloc family while dlsym itself allocates.
 */
#ifndef CPROF_REAL_H
#define CPROF_REAL_H

#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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

/* Locks (mutex.c). */
extern int (*real_pthread_mutex_lock)(pthread_mutex_t *);
extern int (*real_pthread_mutex_trylock)(pthread_mutex_t *);
extern int (*real_pthread_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
extern int (*real_pthread_mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
extern int (*real_pthread_mutex_unlock)(pthread_mutex_t *);
extern int (*real_pthread_rwlock_rdlock)(pthread_rwlock_t *);
extern int (*real_pthread_rwlock_tryrdlock)(pthread_rwlock_t *);
extern int (*real_pthread_rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
extern int (*real_pthread_rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t,
					      const struct timespec *);
extern int (*real_pthread_rwlock_wrlock)(pthread_rwlock_t *);
extern int (*real_pthread_rwlock_trywrlock)(pthread_rwlock_t *);
extern int (*real_pthread_rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
extern int (*real_pthread_rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t,
					      const struct timespec *);
extern int (*real_pthread_rwlock_unlock)(pthread_rwlock_t *);

/*
 * Blocking calls (block.c). pthread_cond_wait and pthread_cond_timedwait have two
 * versions in glibc: the default GLIBC_2.3.2 one, and the GLIBC_2.2.5 one that binaries
 * from before 2003 use; each of cprof's two exports calls its own (_2_2_5: the old one).
 */
extern int (*real_pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
extern int (*real_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *,
					  const struct timespec *);
extern int (*real_pthread_cond_wait_2_2_5)(pthread_cond_t *, pthread_mutex_t *);
extern int (*real_pthread_cond_timedwait_2_2_5)(pthread_cond_t *, pthread_mutex_t *,
						const struct timespec *);
extern int (*real_pthread_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
					  const struct timespec *);
extern int (*real_pthread_join)(pthread_t, void **);
extern int (*real_pthread_barrier_wait)(pthread_barrier_t *);
extern int (*real_sem_wait)(sem_t *);
extern int (*real_sem_timedwait)(sem_t *, const struct timespec *);
extern int (*real_sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
extern int (*real_nanosleep)(const struct timespec *, struct timespec *);
extern int (*real_clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
extern unsigned int (*real_sleep)(unsigned int);
extern int (*real_usleep)(useconds_t);
extern ssize_t (*real_read)(int, void *, size_t);
extern ssize_t (*real_write)(int, const void *, size_t);
extern ssize_t (*real_readv)(int, const struct iovec *, int);
extern ssize_t (*real_writev)(int, const struct iovec *, int);
extern ssize_t (*real_pread)(int, void *, size_t, off_t);
extern ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
extern ssize_t (*real_pread64)(int, void *, size_t, off64_t);
extern ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
extern ssize_t (*real_recv)(int, void *, size_t, int);
extern ssize_t (*real_recvfrom)(int, void *, size_t, int, __SOCKADDR_ARG, socklen_t *);
extern ssize_t (*real_recvmsg)(int, struct msghdr *, int);
extern ssize_t (*real_send)(int, const void *, size_t, int);
extern ssize_t (*real_sendto)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t);
extern ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
extern int (*real_accept)(int, __SOCKADDR_ARG, socklen_t *);
extern int (*real_accept4)(int, __SOCKADDR_ARG, socklen_t *, int);
extern int (*real_connect)(int, __CONST_SOCKADDR_ARG, socklen_t);
extern int (*real_poll)(struct pollfd *, nfds_t, int);
extern int (*real_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
extern int (*real_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
extern int (*real_pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
			   const sigset_t *);
extern int (*real_epoll_wait)(int, struct epoll_event *, int, int);
extern int (*real_epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
extern pid_t (*real_wait)(int *);
extern pid_t (*real_waitpid)(pid_t, int *, int);
extern int (*real_waitid)(idtype_t, id_t, siginfo_t *, int);
extern int (*real_flock)(int, int);
extern int (*real_fcntl)(int, int, ...);
extern int (*real_fcntl64)(int, int, ...);
/* The _FORTIFY_SOURCE entry points programs call instead of read, recv, poll... */
extern ssize_t (*real___read_chk)(int, void *, size_t, size_t);
extern ssize_t (*real___pread_chk)(int, void *, size_t, off_t, size_t);
extern ssize_t (*real___pread64_chk)(int, void *, size_t, off64_t, size_t);
extern ssize_t (*real___recv_chk)(int, void *, size_t, size_t, int);
extern ssize_t (*real___recvfrom_chk)(int, void *, size_t, size_t, int, __SOCKADDR_ARG,
				      socklen_t *);
extern int (*real___poll_chk)(struct pollfd *, nfds_t, int, size_t);
extern int (*real___ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *,
			       const sigset_t *, size_t);

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
 * cprof's own constructor has run. Returns 0, or -ENOSYS if a required symbol is missing
 * (the optional ones, newer than the oldest glibc cprof runs on, stay NULL).
 */
int real_init(void);

/*
 * cprof's own locks: the C library's pthread_mutex_lock and _unlock, never the
 * interposed ones (mutex.c), so the profiler's locks are never profiled. Return what
 * those return (ENOSYS if the C library could not be found). Normal context.
 */
int real_mutex_lock(pthread_mutex_t *m);
int real_mutex_unlock(pthread_mutex_t *m);

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
