/*
 * block.c: the block profile and the wrappers of the calls that wait. Each wrapper is the
 * real call, timed when the profile is on; the wait is sampled at Go's block profile rate
 * and recorded at the caller's stack with a call=<name> label. Errno, return values,
 * EINTR and cancellation are the real call's own. The wrappers are signal context:
 * handlers, new threads and the allocator may reach them.
 */
#undef _FORTIFY_SOURCE	/* this file defines read, recv, poll...: no inline versions */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "block.h"
#include "common.h"
#include "dump.h"
#include "env.h"
#include "labels.h"
#include "limits.h"
#include "log.h"
#include "mutex.h"
#include "real.h"
#include "records.h"
#include "stacks.h"
#include "threads.h"
#include "unwind.h"

/*
 * Event counts are kept in fixed point: an event shorter than the rate is recorded as
 * rate/duration events (Go keeps a float), and the profile shows the truncated sum.
 */
#define COUNT_SHIFT	16

static const char *const call_names[BLOCK_CALLS] = {
	[BLOCK_MUTEX_LOCK] = "pthread_mutex_lock",
	[BLOCK_MUTEX_TIMEDLOCK] = "pthread_mutex_timedlock",
	[BLOCK_MUTEX_CLOCKLOCK] = "pthread_mutex_clocklock",
	[BLOCK_RWLOCK_RDLOCK] = "pthread_rwlock_rdlock",
	[BLOCK_RWLOCK_TIMEDRDLOCK] = "pthread_rwlock_timedrdlock",
	[BLOCK_RWLOCK_CLOCKRDLOCK] = "pthread_rwlock_clockrdlock",
	[BLOCK_RWLOCK_WRLOCK] = "pthread_rwlock_wrlock",
	[BLOCK_RWLOCK_TIMEDWRLOCK] = "pthread_rwlock_timedwrlock",
	[BLOCK_RWLOCK_CLOCKWRLOCK] = "pthread_rwlock_clockwrlock",
	[BLOCK_COND_WAIT] = "pthread_cond_wait",
	[BLOCK_COND_TIMEDWAIT] = "pthread_cond_timedwait",
	[BLOCK_COND_CLOCKWAIT] = "pthread_cond_clockwait",
	[BLOCK_JOIN] = "pthread_join",
	[BLOCK_BARRIER_WAIT] = "pthread_barrier_wait",
	[BLOCK_SEM_WAIT] = "sem_wait",
	[BLOCK_SEM_TIMEDWAIT] = "sem_timedwait",
	[BLOCK_SEM_CLOCKWAIT] = "sem_clockwait",
	[BLOCK_NANOSLEEP] = "nanosleep",
	[BLOCK_CLOCK_NANOSLEEP] = "clock_nanosleep",
	[BLOCK_SLEEP] = "sleep",
	[BLOCK_USLEEP] = "usleep",
	[BLOCK_READ] = "read",
	[BLOCK_WRITE] = "write",
	[BLOCK_READV] = "readv",
	[BLOCK_WRITEV] = "writev",
	[BLOCK_PREAD] = "pread",
	[BLOCK_PWRITE] = "pwrite",
	[BLOCK_RECV] = "recv",
	[BLOCK_RECVFROM] = "recvfrom",
	[BLOCK_RECVMSG] = "recvmsg",
	[BLOCK_SEND] = "send",
	[BLOCK_SENDTO] = "sendto",
	[BLOCK_SENDMSG] = "sendmsg",
	[BLOCK_ACCEPT] = "accept",
	[BLOCK_ACCEPT4] = "accept4",
	[BLOCK_CONNECT] = "connect",
	[BLOCK_POLL] = "poll",
	[BLOCK_PPOLL] = "ppoll",
	[BLOCK_SELECT] = "select",
	[BLOCK_PSELECT] = "pselect",
	[BLOCK_EPOLL_WAIT] = "epoll_wait",
	[BLOCK_EPOLL_PWAIT] = "epoll_pwait",
	[BLOCK_WAIT] = "wait",
	[BLOCK_WAITPID] = "waitpid",
	[BLOCK_WAITID] = "waitid",
	[BLOCK_FLOCK] = "flock",
	[BLOCK_FCNTL] = "fcntl",
};

static _Atomic int64_t rate_ns;		/* 0: off */
static struct records records;		/* key: waiting stack, tid, name, labels; w[2] the call */
static _Atomic int64_t n_lost, lost_ns;	/* events that could not be recorded (count fixed point) */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static CPROF_TLS uint64_t rng;

static int64_t now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int block_start(int64_t rate)
{
	int rc = 0;

	if (rate < 0)
		return -EINVAL;
	if (rate > 0) {
		real_mutex_lock(&init_lock);
		if (!records.index)
			rc = records_init(&records, CPROF_RECORDS_MAX);
		real_mutex_unlock(&init_lock);
		if (rc < 0)
			return rc;
	}
	atomic_store(&rate_ns, rate);
	mutex_watch_block(rate > 0);
	return 0;
}

static int block_sample(void *arg, const struct records_key *k, const int64_t *raw,
			int64_t *values, struct dump_label *labels, char *scratch)
{
	values[0] = raw[0] >> COUNT_SHIFT;
	values[1] = raw[1];
	if (k->w[2] >= BLOCK_CALLS)
		return 0;
	labels[0].key = "call";
	labels[0].str = call_names[k->w[2]];
	return 1;
}

static void describe_into(struct dump_kind *k, int64_t *lost)
{
	memset(k, 0, sizeof(*k));
	k->kind = "block";
	k->types[0] = "contentions";
	k->types[1] = "count";
	k->types[2] = "delay";
	k->types[3] = "nanoseconds";
	k->period_type = "contentions";
	k->period_unit = "count";
	k->period = 1;
	k->time_ns = now_realtime();
	k->thread_labels = true;
	k->records = &records;
	k->sample = block_sample;
	lost[0] = atomic_load(&n_lost) >> COUNT_SHIFT;
	lost[1] = atomic_load(&lost_ns);
	k->lost = lost[0] || lost[1] ? lost : NULL;
}

static int describe_source(struct dump_kind *k)
{
	/* dump.c describes and builds one source at a time. */
	static int64_t lost[2];

	describe_into(k, lost);
	return 0;
}

size_t block_count(void)
{
	return records.index ? atomic_load(&records.n) : 0;
}

int block_register(void)
{
	static const struct dump_source source = {
		.name = "block",
		.description = "Stack traces that led to blocking on synchronization primitives",
		.describe = describe_source,
		.count = block_count,
	};

	return dump_register(&source);
}

int block_write_profile(const char *path)
{
	struct dump_kind k;
	int64_t lost[2];

	describe_into(&k, lost);
	return dump_profile(&k, path);
}

void block_fork_child(void)
{
	records_clear(&records);
	atomic_store(&n_lost, 0);
	atomic_store(&lost_ns, 0);
	pthread_mutex_init(&init_lock, NULL);
}

/* --- signal context --- */

int64_t block_now_sig(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rand_sig(void)
{
	uint64_t x = rng;

	if (unlikely(!x))
		x = (uint64_t)(uintptr_t)&rng * 0x9e3779b97f4a7c15ull ^ (uint64_t)block_now_sig();
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng = x | 1;
	return x;
}

bool block_key_sig(struct records_key *k, uint64_t w2)
{
	struct thread *t = threads_self_sig();
	uint32_t stack = 0;
	unsigned flags;
	int n;

	if (!t || !t->pcs)
		return false;
	n = unwind_here_sig(t->stack_hi, t->pcs, env.depth, &flags);
	if (n > 0)
		stack = stacks_intern_sig(t->pcs, n, flags);
	if (!stack)
		return false;
	k->w[0] = stack | (uint64_t)(uint32_t)t->tid << 32;
	k->w[1] = threads_name_sig(t) | (uint64_t)labels_current_sig() << 32;
	k->w[2] = w2;
	return true;
}

void block_event_sig(enum block_call call, int64_t ns)
{
	int64_t rate = atomic_load_explicit(&rate_ns, memory_order_relaxed), v[2];
	struct records_key k;
	int saved;

	if (rate <= 0 || cprof_tls.in_cprof)
		return;
	if (ns <= 0)
		ns = 1;
	if (ns < rate) {
		/* Go's blocksampled and saveblockevent, in nanoseconds instead of ticks. */
		if ((int64_t)(rand_sig() % (uint64_t)rate) > ns)
			return;
		v[0] = (rate << COUNT_SHIFT) / ns;
		v[1] = rate;
	} else {
		v[0] = (int64_t)1 << COUNT_SHIFT;
		v[1] = ns;
	}
	saved = errno;
	cprof_tls.in_cprof++;
	if (!block_key_sig(&k, (uint64_t)call) || records_add_sig(&records, &k, v, 2) < 0) {
		atomic_fetch_add_explicit(&n_lost, v[0], memory_order_relaxed);
		atomic_fetch_add_explicit(&lost_ns, v[1], memory_order_relaxed);
	}
	cprof_tls.in_cprof--;
	errno = saved;
}

/* Whether to time this call: the profile is on and the program (not cprof) is calling. */
static inline __attribute__((always_inline)) bool begin_sig(int64_t *t0)
{
	if (likely(!atomic_load_explicit(&rate_ns, memory_order_relaxed)) || cprof_tls.in_cprof)
		return false;
	*t0 = block_now_sig();
	return true;
}

static inline __attribute__((always_inline)) void end_sig(int64_t t0, enum block_call call)
{
	int saved = errno;

	block_event_sig(call, block_now_sig() - t0);
	errno = saved;
}

/*
 * The body of a timed wrapper: the real function, called straight when the profile is
 * off or cprof itself is calling, timed otherwise; fail is returned when the C library
 * has no such function. Returns from the enclosing function.
 */
#define BLOCK_TIMED(call, name, fail, ...) do {					\
	__typeof__(real_##name(__VA_ARGS__)) r_;					\
	int64_t t0_;									\
											\
	if (unlikely(!real_##name) && (real_init(), !real_##name))			\
		return fail;								\
	if (likely(!begin_sig(&t0_)))							\
		return real_##name(__VA_ARGS__);					\
	r_ = real_##name(__VA_ARGS__);							\
	end_sig(t0_, call);								\
	return r_;									\
} while (0)

/* What a missing function returns: -1 with errno, or the error number (pthread style). */
#define FAIL_ERRNO	(errno = ENOSYS, -1)
#define FAIL_NUMBER	ENOSYS

/*
 * pthread_cond_wait and _timedwait: glibc has a GLIBC_2.3.2 version (the default) and a
 * GLIBC_2.2.5 one for old binaries. Both are exported here under their versions
 * (libcprof.map) and each calls its own. The mutex is released inside the C library, so
 * its waiters are charged here, as its unlock would charge them.
 */
CPROF_EXPORT int block_cond_wait_2_3_2(pthread_cond_t *c, pthread_mutex_t *m)
{
	mutex_release_sig(m);
	BLOCK_TIMED(BLOCK_COND_WAIT, pthread_cond_wait, FAIL_NUMBER, c, m);
}
__asm__(".symver block_cond_wait_2_3_2, pthread_cond_wait@@GLIBC_2.3.2");

CPROF_EXPORT int block_cond_wait_2_2_5(pthread_cond_t *c, pthread_mutex_t *m)
{
	mutex_release_sig(m);
	BLOCK_TIMED(BLOCK_COND_WAIT, pthread_cond_wait_2_2_5, FAIL_NUMBER, c, m);
}
__asm__(".symver block_cond_wait_2_2_5, pthread_cond_wait@GLIBC_2.2.5");

CPROF_EXPORT int block_cond_timedwait_2_3_2(pthread_cond_t *c, pthread_mutex_t *m,
					    const struct timespec *abstime)
{
	mutex_release_sig(m);
	BLOCK_TIMED(BLOCK_COND_TIMEDWAIT, pthread_cond_timedwait, FAIL_NUMBER, c, m, abstime);
}
__asm__(".symver block_cond_timedwait_2_3_2, pthread_cond_timedwait@@GLIBC_2.3.2");

CPROF_EXPORT int block_cond_timedwait_2_2_5(pthread_cond_t *c, pthread_mutex_t *m,
					    const struct timespec *abstime)
{
	mutex_release_sig(m);
	BLOCK_TIMED(BLOCK_COND_TIMEDWAIT, pthread_cond_timedwait_2_2_5, FAIL_NUMBER, c, m,
		    abstime);
}
__asm__(".symver block_cond_timedwait_2_2_5, pthread_cond_timedwait@GLIBC_2.2.5");

CPROF_EXPORT int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
					const struct timespec *abstime)
{
	mutex_release_sig(m);
	BLOCK_TIMED(BLOCK_COND_CLOCKWAIT, pthread_cond_clockwait, FAIL_NUMBER, c, m, clock,
		    abstime);
}

CPROF_EXPORT int pthread_join(pthread_t th, void **ret)
{
	BLOCK_TIMED(BLOCK_JOIN, pthread_join, FAIL_NUMBER, th, ret);
}

CPROF_EXPORT int pthread_barrier_wait(pthread_barrier_t *b)
{
	BLOCK_TIMED(BLOCK_BARRIER_WAIT, pthread_barrier_wait, FAIL_NUMBER, b);
}

CPROF_EXPORT int sem_wait(sem_t *s)
{
	BLOCK_TIMED(BLOCK_SEM_WAIT, sem_wait, FAIL_ERRNO, s);
}

CPROF_EXPORT int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	BLOCK_TIMED(BLOCK_SEM_TIMEDWAIT, sem_timedwait, FAIL_ERRNO, s, abstime);
}

CPROF_EXPORT int sem_clockwait(sem_t *s, clockid_t clock, const struct timespec *abstime)
{
	BLOCK_TIMED(BLOCK_SEM_CLOCKWAIT, sem_clockwait, FAIL_ERRNO, s, clock, abstime);
}

CPROF_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	BLOCK_TIMED(BLOCK_NANOSLEEP, nanosleep, FAIL_ERRNO, req, rem);
}

CPROF_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
				 struct timespec *rem)
{
	BLOCK_TIMED(BLOCK_CLOCK_NANOSLEEP, clock_nanosleep, FAIL_NUMBER, clock, flags, req, rem);
}

CPROF_EXPORT unsigned int sleep(unsigned int seconds)
{
	BLOCK_TIMED(BLOCK_SLEEP, sleep, seconds, seconds);
}

CPROF_EXPORT int usleep(useconds_t usec)
{
	BLOCK_TIMED(BLOCK_USLEEP, usleep, FAIL_ERRNO, usec);
}

CPROF_EXPORT ssize_t read(int fd, void *buf, size_t n)
{
	BLOCK_TIMED(BLOCK_READ, read, FAIL_ERRNO, fd, buf, n);
}

CPROF_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	BLOCK_TIMED(BLOCK_WRITE, write, FAIL_ERRNO, fd, buf, n);
}

CPROF_EXPORT ssize_t readv(int fd, const struct iovec *iov, int n)
{
	BLOCK_TIMED(BLOCK_READV, readv, FAIL_ERRNO, fd, iov, n);
}

CPROF_EXPORT ssize_t writev(int fd, const struct iovec *iov, int n)
{
	BLOCK_TIMED(BLOCK_WRITEV, writev, FAIL_ERRNO, fd, iov, n);
}

CPROF_EXPORT ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	BLOCK_TIMED(BLOCK_PREAD, pread, FAIL_ERRNO, fd, buf, n, off);
}

CPROF_EXPORT ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	BLOCK_TIMED(BLOCK_PWRITE, pwrite, FAIL_ERRNO, fd, buf, n, off);
}

CPROF_EXPORT ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	BLOCK_TIMED(BLOCK_PREAD, pread64, FAIL_ERRNO, fd, buf, n, off);
}

CPROF_EXPORT ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	BLOCK_TIMED(BLOCK_PWRITE, pwrite64, FAIL_ERRNO, fd, buf, n, off);
}

CPROF_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	BLOCK_TIMED(BLOCK_RECV, recv, FAIL_ERRNO, fd, buf, n, flags);
}

CPROF_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG addr,
			      socklen_t *len)
{
	BLOCK_TIMED(BLOCK_RECVFROM, recvfrom, FAIL_ERRNO, fd, buf, n, flags, addr, len);
}

CPROF_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	BLOCK_TIMED(BLOCK_RECVMSG, recvmsg, FAIL_ERRNO, fd, msg, flags);
}

CPROF_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	BLOCK_TIMED(BLOCK_SEND, send, FAIL_ERRNO, fd, buf, n, flags);
}

CPROF_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			    __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	BLOCK_TIMED(BLOCK_SENDTO, sendto, FAIL_ERRNO, fd, buf, n, flags, addr, len);
}

CPROF_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	BLOCK_TIMED(BLOCK_SENDMSG, sendmsg, FAIL_ERRNO, fd, msg, flags);
}

CPROF_EXPORT int accept(int fd, __SOCKADDR_ARG addr, socklen_t *len)
{
	BLOCK_TIMED(BLOCK_ACCEPT, accept, FAIL_ERRNO, fd, addr, len);
}

CPROF_EXPORT int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags)
{
	BLOCK_TIMED(BLOCK_ACCEPT4, accept4, FAIL_ERRNO, fd, addr, len, flags);
}

CPROF_EXPORT int connect(int fd, __CONST_SOCKADDR_ARG addr, socklen_t len)
{
	BLOCK_TIMED(BLOCK_CONNECT, connect, FAIL_ERRNO, fd, addr, len);
}

CPROF_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	BLOCK_TIMED(BLOCK_POLL, poll, FAIL_ERRNO, fds, n, timeout);
}

CPROF_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		       const sigset_t *mask)
{
	BLOCK_TIMED(BLOCK_PPOLL, ppoll, FAIL_ERRNO, fds, n, timeout, mask);
}

CPROF_EXPORT int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout)
{
	BLOCK_TIMED(BLOCK_SELECT, select, FAIL_ERRNO, n, r, w, e, timeout);
}

CPROF_EXPORT int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout,
			 const sigset_t *mask)
{
	BLOCK_TIMED(BLOCK_PSELECT, pselect, FAIL_ERRNO, n, r, w, e, timeout, mask);
}

CPROF_EXPORT int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
	BLOCK_TIMED(BLOCK_EPOLL_WAIT, epoll_wait, FAIL_ERRNO, ep, ev, max, timeout);
}

CPROF_EXPORT int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout,
			     const sigset_t *mask)
{
	BLOCK_TIMED(BLOCK_EPOLL_PWAIT, epoll_pwait, FAIL_ERRNO, ep, ev, max, timeout, mask);
}

CPROF_EXPORT pid_t wait(int *status)
{
	BLOCK_TIMED(BLOCK_WAIT, wait, FAIL_ERRNO, status);
}

CPROF_EXPORT pid_t waitpid(pid_t pid, int *status, int options)
{
	BLOCK_TIMED(BLOCK_WAITPID, waitpid, FAIL_ERRNO, pid, status, options);
}

CPROF_EXPORT int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
	BLOCK_TIMED(BLOCK_WAITID, waitid, FAIL_ERRNO, type, id, info, options);
}

CPROF_EXPORT int flock(int fd, int op)
{
	BLOCK_TIMED(BLOCK_FLOCK, flock, FAIL_ERRNO, fd, op);
}

/*
 * fcntl's third argument is an int, a pointer or nothing, depending on cmd. It is taken
 * as a pointer and passed on as one, which is what glibc's fcntl does itself with it: the
 * same register bits reach the kernel. Only the commands that wait for a lock are timed.
 */
CPROF_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd == F_SETLKW || cmd == F_OFD_SETLKW)
		BLOCK_TIMED(BLOCK_FCNTL, fcntl, FAIL_ERRNO, fd, cmd, arg);
	if (unlikely(!real_fcntl) && (real_init(), !real_fcntl))
		return FAIL_ERRNO;
	return real_fcntl(fd, cmd, arg);
}

CPROF_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd == F_SETLKW || cmd == F_OFD_SETLKW)
		BLOCK_TIMED(BLOCK_FCNTL, fcntl64, FAIL_ERRNO, fd, cmd, arg);
	if (unlikely(!real_fcntl64) && (real_init(), !real_fcntl64))
		return FAIL_ERRNO;
	return real_fcntl64(fd, cmd, arg);
}

/* The _FORTIFY_SOURCE entry points: the same calls, with the buffer size checked. */
CPROF_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	BLOCK_TIMED(BLOCK_READ, __read_chk, FAIL_ERRNO, fd, buf, n, buflen);
}

CPROF_EXPORT ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	BLOCK_TIMED(BLOCK_PREAD, __pread_chk, FAIL_ERRNO, fd, buf, n, off, buflen);
}

CPROF_EXPORT ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	BLOCK_TIMED(BLOCK_PREAD, __pread64_chk, FAIL_ERRNO, fd, buf, n, off, buflen);
}

CPROF_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
	BLOCK_TIMED(BLOCK_RECV, __recv_chk, FAIL_ERRNO, fd, buf, n, buflen, flags);
}

CPROF_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags,
				    __SOCKADDR_ARG addr, socklen_t *len)
{
	BLOCK_TIMED(BLOCK_RECVFROM, __recvfrom_chk, FAIL_ERRNO, fd, buf, n, buflen, flags, addr,
		    len);
}

CPROF_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	BLOCK_TIMED(BLOCK_POLL, __poll_chk, FAIL_ERRNO, fds, n, timeout, fdslen);
}

CPROF_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
			     const sigset_t *mask, size_t fdslen)
{
	BLOCK_TIMED(BLOCK_PPOLL, __ppoll_chk, FAIL_ERRNO, fds, n, timeout, mask, fdslen);
}
