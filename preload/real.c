/*
 * real.c: the real_* pointers to the functions cprof interposes, resolved once with
 * dlsym(RTLD_NEXT) (dlvsym where glibc has several versions of a symbol), and the
 * start-up arena: while dlsym runs, the malloc family may be called (older glibc allocates
 * the dlerror state) before its pointers are set, and is served from static memory that
 * free recognises (heaptrack's DummyPool does the same). Nothing else in the preload
 * calls dlsym.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "real.h"

int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
void *(*real_dlopen)(const char *, int);
void *(*real_dlmopen)(long, const char *, int);
int (*real_dlclose)(void *);
void (*real__exit)(int) __attribute__((noreturn));
void (*real__Exit)(int) __attribute__((noreturn));

int (*real_pthread_mutex_lock)(pthread_mutex_t *);
int (*real_pthread_mutex_trylock)(pthread_mutex_t *);
int (*real_pthread_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
int (*real_pthread_mutex_clocklock)(pthread_mutex_t *, clockid_t, const struct timespec *);
int (*real_pthread_mutex_unlock)(pthread_mutex_t *);
int (*real_pthread_rwlock_rdlock)(pthread_rwlock_t *);
int (*real_pthread_rwlock_tryrdlock)(pthread_rwlock_t *);
int (*real_pthread_rwlock_timedrdlock)(pthread_rwlock_t *, const struct timespec *);
int (*real_pthread_rwlock_clockrdlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
int (*real_pthread_rwlock_wrlock)(pthread_rwlock_t *);
int (*real_pthread_rwlock_trywrlock)(pthread_rwlock_t *);
int (*real_pthread_rwlock_timedwrlock)(pthread_rwlock_t *, const struct timespec *);
int (*real_pthread_rwlock_clockwrlock)(pthread_rwlock_t *, clockid_t, const struct timespec *);
int (*real_pthread_rwlock_unlock)(pthread_rwlock_t *);

int (*real_pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
int (*real_pthread_cond_timedwait)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
int (*real_pthread_cond_wait_2_2_5)(pthread_cond_t *, pthread_mutex_t *);
int (*real_pthread_cond_timedwait_2_2_5)(pthread_cond_t *, pthread_mutex_t *,
					 const struct timespec *);
int (*real_pthread_cond_clockwait)(pthread_cond_t *, pthread_mutex_t *, clockid_t,
				   const struct timespec *);
int (*real_pthread_join)(pthread_t, void **);
int (*real_pthread_barrier_wait)(pthread_barrier_t *);
int (*real_sem_wait)(sem_t *);
int (*real_sem_timedwait)(sem_t *, const struct timespec *);
int (*real_sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
int (*real_nanosleep)(const struct timespec *, struct timespec *);
int (*real_clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
unsigned int (*real_sleep)(unsigned int);
int (*real_usleep)(useconds_t);
ssize_t (*real_read)(int, void *, size_t);
ssize_t (*real_write)(int, const void *, size_t);
ssize_t (*real_readv)(int, const struct iovec *, int);
ssize_t (*real_writev)(int, const struct iovec *, int);
ssize_t (*real_pread)(int, void *, size_t, off_t);
ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
ssize_t (*real_pread64)(int, void *, size_t, off64_t);
ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
ssize_t (*real_recv)(int, void *, size_t, int);
ssize_t (*real_recvfrom)(int, void *, size_t, int, __SOCKADDR_ARG, socklen_t *);
ssize_t (*real_recvmsg)(int, struct msghdr *, int);
ssize_t (*real_send)(int, const void *, size_t, int);
ssize_t (*real_sendto)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t);
ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
int (*real_accept)(int, __SOCKADDR_ARG, socklen_t *);
int (*real_accept4)(int, __SOCKADDR_ARG, socklen_t *, int);
int (*real_connect)(int, __CONST_SOCKADDR_ARG, socklen_t);
int (*real_poll)(struct pollfd *, nfds_t, int);
int (*real_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
int (*real_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
int (*real_pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
int (*real_epoll_wait)(int, struct epoll_event *, int, int);
int (*real_epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
pid_t (*real_wait)(int *);
pid_t (*real_waitpid)(pid_t, int *, int);
int (*real_waitid)(idtype_t, id_t, siginfo_t *, int);
int (*real_flock)(int, int);
int (*real_fcntl)(int, int, ...);
int (*real_fcntl64)(int, int, ...);
ssize_t (*real___read_chk)(int, void *, size_t, size_t);
ssize_t (*real___pread_chk)(int, void *, size_t, off_t, size_t);
ssize_t (*real___pread64_chk)(int, void *, size_t, off64_t, size_t);
ssize_t (*real___recv_chk)(int, void *, size_t, size_t, int);
ssize_t (*real___recvfrom_chk)(int, void *, size_t, size_t, int, __SOCKADDR_ARG, socklen_t *);
int (*real___poll_chk)(struct pollfd *, nfds_t, int, size_t);
int (*real___ppoll_chk)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *,
			size_t);

void *(*real_malloc)(size_t);
void (*real_free)(void *);
void *(*real_calloc)(size_t, size_t);
void *(*real_realloc)(void *, size_t);
void *(*real_reallocarray)(void *, size_t, size_t);
void *(*real_memalign)(size_t, size_t);
int (*real_posix_memalign)(void **, size_t, size_t);
void *(*real_aligned_alloc)(size_t, size_t);
void *(*real_valloc)(size_t);
void *(*real_pvalloc)(size_t);
size_t (*real_malloc_usable_size)(void *);

void *(*real__Znwm)(size_t);
void *(*real__Znam)(size_t);
void *(*real__ZnwmRKSt9nothrow_t)(size_t, const void *);
void *(*real__ZnamRKSt9nothrow_t)(size_t, const void *);
void *(*real__ZnwmSt11align_val_t)(size_t, size_t);
void *(*real__ZnamSt11align_val_t)(size_t, size_t);
void *(*real__ZnwmSt11align_val_tRKSt9nothrow_t)(size_t, size_t, const void *);
void *(*real__ZnamSt11align_val_tRKSt9nothrow_t)(size_t, size_t, const void *);
void (*real__ZdlPv)(void *);
void (*real__ZdaPv)(void *);
void (*real__ZdlPvm)(void *, size_t);
void (*real__ZdaPvm)(void *, size_t);
void (*real__ZdlPvRKSt9nothrow_t)(void *, const void *);
void (*real__ZdaPvRKSt9nothrow_t)(void *, const void *);
void (*real__ZdlPvSt11align_val_t)(void *, size_t);
void (*real__ZdaPvSt11align_val_t)(void *, size_t);
void (*real__ZdlPvmSt11align_val_t)(void *, size_t, size_t);
void (*real__ZdaPvmSt11align_val_t)(void *, size_t, size_t);
void (*real__ZdlPvSt11align_val_tRKSt9nothrow_t)(void *, size_t, const void *);
void (*real__ZdaPvSt11align_val_tRKSt9nothrow_t)(void *, size_t, const void *);

char real_arena[CPROF_ARENA_BYTES] __attribute__((aligned(64)));
static _Atomic size_t arena_used;

/*
 * > 0 while this thread runs real_init: its allocations come from the arena. volatile:
 * GCC otherwise drops the increment around dlsym, which it believes cannot read a static.
 */
static CPROF_TLS volatile int resolving;

#define RESOLVE(name)	(*(void **)&real_##name = dlsym(RTLD_NEXT, #name))
/*
 * A versioned symbol: that exact version, or (another architecture, which never had the
 * old one) the default.
 */
#define RESOLVE_V(ptr, name, version)						\
	(*(void **)&ptr = dlvsym(RTLD_NEXT, name, version),			\
	 ptr ? (void)0 : (void)(*(void **)&ptr = dlsym(RTLD_NEXT, name)))

static void resolve_locks(void)
{
	RESOLVE(pthread_mutex_lock);
	RESOLVE(pthread_mutex_trylock);
	RESOLVE(pthread_mutex_timedlock);
	RESOLVE(pthread_mutex_clocklock);
	RESOLVE(pthread_mutex_unlock);
	RESOLVE(pthread_rwlock_rdlock);
	RESOLVE(pthread_rwlock_tryrdlock);
	RESOLVE(pthread_rwlock_timedrdlock);
	RESOLVE(pthread_rwlock_clockrdlock);
	RESOLVE(pthread_rwlock_wrlock);
	RESOLVE(pthread_rwlock_trywrlock);
	RESOLVE(pthread_rwlock_timedwrlock);
	RESOLVE(pthread_rwlock_clockwrlock);
	RESOLVE(pthread_rwlock_unlock);
}

static void resolve_blocking(void)
{
	RESOLVE_V(real_pthread_cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
	RESOLVE_V(real_pthread_cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
	RESOLVE_V(real_pthread_cond_wait_2_2_5, "pthread_cond_wait", "GLIBC_2.2.5");
	RESOLVE_V(real_pthread_cond_timedwait_2_2_5, "pthread_cond_timedwait", "GLIBC_2.2.5");
	RESOLVE(pthread_cond_clockwait);
	RESOLVE(pthread_join);
	RESOLVE(pthread_barrier_wait);
	RESOLVE(sem_wait);
	RESOLVE(sem_timedwait);
	RESOLVE(sem_clockwait);
	RESOLVE(nanosleep);
	RESOLVE(clock_nanosleep);
	RESOLVE(sleep);
	RESOLVE(usleep);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(readv);
	RESOLVE(writev);
	RESOLVE(pread);
	RESOLVE(pwrite);
	RESOLVE(pread64);
	RESOLVE(pwrite64);
	RESOLVE(recv);
	RESOLVE(recvfrom);
	RESOLVE(recvmsg);
	RESOLVE(send);
	RESOLVE(sendto);
	RESOLVE(sendmsg);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(connect);
	RESOLVE(poll);
	RESOLVE(ppoll);
	RESOLVE(select);
	RESOLVE(pselect);
	RESOLVE(epoll_wait);
	RESOLVE(epoll_pwait);
	RESOLVE(wait);
	RESOLVE(waitpid);
	RESOLVE(waitid);
	RESOLVE(flock);
	RESOLVE(fcntl);
	RESOLVE(fcntl64);
	RESOLVE(__read_chk);
	RESOLVE(__pread_chk);
	RESOLVE(__pread64_chk);
	RESOLVE(__recv_chk);
	RESOLVE(__recvfrom_chk);
	RESOLVE(__poll_chk);
	RESOLVE(__ppoll_chk);
}

#define CXX(name)	{ #name, (void **)&real_##name }
static const struct {
	const char *name;
	void **ptr;
} cxx[] = {
	CXX(_Znwm), CXX(_Znam), CXX(_ZnwmRKSt9nothrow_t), CXX(_ZnamRKSt9nothrow_t),
	CXX(_ZnwmSt11align_val_t), CXX(_ZnamSt11align_val_t),
	CXX(_ZnwmSt11align_val_tRKSt9nothrow_t), CXX(_ZnamSt11align_val_tRKSt9nothrow_t),
	CXX(_ZdlPv), CXX(_ZdaPv), CXX(_ZdlPvm), CXX(_ZdaPvm),
	CXX(_ZdlPvRKSt9nothrow_t), CXX(_ZdaPvRKSt9nothrow_t),
	CXX(_ZdlPvSt11align_val_t), CXX(_ZdaPvSt11align_val_t),
	CXX(_ZdlPvmSt11align_val_t), CXX(_ZdaPvmSt11align_val_t),
	CXX(_ZdlPvSt11align_val_tRKSt9nothrow_t), CXX(_ZdaPvSt11align_val_tRKSt9nothrow_t),
};

static _Atomic bool cxx_done;

/* Fills the operator pointers from handle (RTLD_NEXT or a C++ runtime's own handle). */
static void resolve_cxx(void *handle)
{
	for (size_t i = 0; i < ARRAY_SIZE(cxx); i++)
		if (!*cxx[i].ptr)
			*cxx[i].ptr = dlsym(handle, cxx[i].name);
}

int real_init_cxx(void)
{
	static const char *const runtimes[] = { "libstdc++.so.6", "libc++.so.1" };

	if (atomic_load_explicit(&cxx_done, memory_order_acquire))
		return 0;
	resolving++;
	resolve_cxx(RTLD_NEXT);
	/* A runtime loaded RTLD_LOCAL (a C++ plugin in a C program) is not in our scope. */
	for (size_t i = 0; i < ARRAY_SIZE(runtimes) && !real__Znwm; i++) {
		void *h = dlopen(runtimes[i], RTLD_LAZY | RTLD_NOLOAD);

		if (h) {
			resolve_cxx(h);
			dlclose(h);
		}
	}
	resolving--;
	if (!real__Znwm)
		return -ENOSYS;
	atomic_store_explicit(&cxx_done, true, memory_order_release);
	return 0;
}

int real_init(void)
{
	static _Atomic int done;
	int rc = 0;

	if (atomic_load_explicit(&done, memory_order_acquire))
		return 0;
	resolving++;
	/* The allocator first: dlsym may allocate, and is served from the arena meanwhile. */
	RESOLVE(malloc);
	RESOLVE(free);
	RESOLVE(calloc);
	RESOLVE(realloc);
	RESOLVE(reallocarray);
	RESOLVE(memalign);
	RESOLVE(posix_memalign);
	RESOLVE(aligned_alloc);
	RESOLVE(valloc);
	RESOLVE(pvalloc);
	RESOLVE(malloc_usable_size);
	RESOLVE(pthread_create);
	RESOLVE(sigaction);
	RESOLVE(dlopen);
	RESOLVE(dlmopen);
	RESOLVE(dlclose);
	RESOLVE(_exit);
	RESOLVE(_Exit);
	resolve_locks();
	resolve_blocking();
	resolve_cxx(RTLD_NEXT);
	resolving--;
	if (real__Znwm)
		atomic_store_explicit(&cxx_done, true, memory_order_release);
	if (!real_pthread_create || !real_sigaction || !real_dlopen || !real_dlclose ||
	    !real__exit || !real__Exit || !real_pthread_mutex_lock || !real_pthread_mutex_unlock ||
	    !real_malloc || !real_free || !real_calloc ||
	    !real_realloc || !real_memalign || !real_posix_memalign || !real_aligned_alloc ||
	    !real_valloc || !real_pvalloc || !real_malloc_usable_size)
		rc = -ENOSYS;
	atomic_store_explicit(&done, 1, memory_order_release);
	return rc;
}

int real_mutex_lock(pthread_mutex_t *m)
{
	if (unlikely(!real_pthread_mutex_lock)) {
		real_init();
		if (!real_pthread_mutex_lock)
			return ENOSYS;
	}
	return real_pthread_mutex_lock(m);
}

int real_mutex_unlock(pthread_mutex_t *m)
{
	if (unlikely(!real_pthread_mutex_unlock)) {
		real_init();
		if (!real_pthread_mutex_unlock)
			return ENOSYS;
	}
	return real_pthread_mutex_unlock(m);
}

int real_init_alloc(void)
{
	if (resolving)
		return -EBUSY;
	real_init();
	return real_malloc && real_free ? 0 : -ENOSYS;
}

/* --- signal context --- */

/*
 * Each block is preceded by a 16-byte header holding its size; a bump pointer, never
 * reset: the arena serves a handful of small blocks at start-up and nothing else.
 */
void *real_arena_alloc_sig(size_t n, size_t align)
{
	size_t need, off;
	uintptr_t base, p;

	if (align < 16)
		align = 16;
	if (n > sizeof(real_arena) || (align & (align - 1)) || align > sizeof(real_arena))
		return NULL;
	need = n + align + 16;
	off = atomic_fetch_add(&arena_used, need);
	if (off > sizeof(real_arena) || need > sizeof(real_arena) - off)
		return NULL;
	base = (uintptr_t)real_arena + off;
	p = (base + 16 + align - 1) & ~(uintptr_t)(align - 1);
	((size_t *)p)[-1] = n;
	return (void *)p;
}

size_t real_arena_size_sig(const void *p)
{
	return ((const size_t *)p)[-1];
}
