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
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <time.h>

#include "bg.h"
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
/*
 * The wrappers time calls with the TSC (rdtsc costs about half of the vDSO's
 * clock_gettime) once its rate has been measured against CLOCK_MONOTONIC over 200 ms,
 * and only while the kernel itself keeps time with it (then it is constant, never stops
 * and is synchronized between CPUs); clock_gettime until then or otherwise. tsc_mult:
 * nanoseconds per tick << 32, 0 for clock_gettime.
 */
static _Atomic uint64_t tsc_mult;
static struct {
	enum { CAL_OFF, CAL_WAITING, CAL_DONE, CAL_NEVER } state;
	uint64_t tsc0;
	int64_t ns0;
	unsigned checks;
} cal;
static struct records records;		/* key: waiting stack, tid, name, labels; w[2] the call */
static _Atomic int64_t n_lost, lost_ns;	/* events that could not be recorded (count fixed point) */
static _Atomic int64_t n_events;	/* events recorded */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static CPROF_TLS uint64_t rng;

static int64_t now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True when the kernel's clocksource is the TSC. */
static bool kernel_uses_tsc(void)
{
	char buf[32];
	ssize_t n = -1;
	int fd;

	cprof_tls.in_cprof++;
	fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	cprof_tls.in_cprof--;
	return n == 4 && !memcmp(buf, "tsc\n", 4);
}

/*
 * A background hook: after 200 ms of profiling, measures the TSC's rate and switches
 * the wrappers to it if the kernel keeps time with the TSC; then checks that every ten
 * seconds, and goes back to clock_gettime for good if the kernel stops.
 */
static void calibrate(void)
{
	uint64_t ticks;
	int64_t ns;

	if (!atomic_load(&rate_ns) || cal.state == CAL_NEVER)
		return;
	if (cal.state == CAL_DONE) {
		if (++cal.checks % 100 == 0 && !kernel_uses_tsc()) {
			atomic_store(&tsc_mult, 0);
			cal.state = CAL_NEVER;
		}
		return;
	}
	ns = block_now_sig() - cal.ns0;
	ticks = __builtin_ia32_rdtsc() - cal.tsc0;
	if (ns < 200000000)
		return;
	if (!ticks || !kernel_uses_tsc()) {
		cal.state = CAL_NEVER;
		return;
	}
	atomic_store(&tsc_mult, (uint64_t)(((unsigned __int128)ns << 32) / ticks));
	cal.state = CAL_DONE;
}

int block_start(int64_t rate)
{
	int rc = 0;

	if (rate < 0)
		return -EINVAL;
	/* The sampling draws a number below the rate with 32 bits. */
	if (rate > CPROF_BLOCKRATE_MAX)
		rate = CPROF_BLOCKRATE_MAX;
	if (rate > 0) {
		real_mutex_lock(&init_lock);
		if (!records.index)
			rc = records_init(&records, CPROF_RECORDS_MAX);
		real_mutex_unlock(&init_lock);
		if (rc < 0)
			return rc;
	}
	if (rate > 0 && cal.state == CAL_OFF) {
		cal.tsc0 = __builtin_ia32_rdtsc();
		cal.ns0 = block_now_sig();
		cal.state = bg_add_hook(calibrate) == 0 ? CAL_WAITING : CAL_NEVER;
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

void block_print_stats(void)
{
	char line[256];

	snprintf(line, sizeof(line),
		 "stats: block events recorded %lld (lost %lld), %zu records, timed with %s",
		 (long long)atomic_load(&n_events), (long long)(atomic_load(&n_lost) >> COUNT_SHIFT),
		 block_count(), atomic_load(&tsc_mult) ? "the TSC" : "clock_gettime");
	log_write_sig(line);
}

void block_fork_child(void)
{
	records_clear(&records);
	atomic_store(&n_lost, 0);
	atomic_store(&lost_ns, 0);
	atomic_store(&n_events, 0);
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
	n = unwind_here_sig(t->stack_lo, t->stack_hi, t->pcs, env.depth, &flags);
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
		/*
		 * Go's blocksampled and saveblockevent, in nanoseconds instead of ticks; the
		 * random number in [0, rate) by a multiplication (rate < 2^32), not a division.
		 */
		if ((int64_t)(((rand_sig() >> 32) * (uint64_t)rate) >> 32) > ns)
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
	} else {
		atomic_fetch_add_explicit(&n_events, 1, memory_order_relaxed);
	}
	cprof_tls.in_cprof--;
	errno = saved;
}

/* A start time: TSC ticks and the multiplier to convert them, or (mult 0) nanoseconds. */
struct stamp {
	uint64_t t;
	uint64_t mult;
};

/* Whether to time this call: the profile is on and the program (not cprof) is calling. */
static inline __attribute__((always_inline)) bool begin_sig(struct stamp *s)
{
	if (likely(!atomic_load_explicit(&rate_ns, memory_order_relaxed)) || cprof_tls.in_cprof)
		return false;
	s->mult = atomic_load_explicit(&tsc_mult, memory_order_relaxed);
	s->t = s->mult ? __builtin_ia32_rdtsc() : (uint64_t)block_now_sig();
	return true;
}

/* Neither rdtsc nor the vDSO's clock_gettime touches errno; block_event_sig keeps it. */
static inline __attribute__((always_inline)) void end_sig(const struct stamp *s,
							  enum block_call call)
{
	int64_t ns;

	if (s->mult)
		ns = (int64_t)(((unsigned __int128)(__builtin_ia32_rdtsc() - s->t) * s->mult) >> 32);
	else
		ns = block_now_sig() - (int64_t)s->t;
	block_event_sig(call, ns);
}

/*
 * The body of a timed wrapper: the real function, called straight when the profile is
 * off or cprof itself is calling, timed otherwise; fail is returned when the C library
 * has no such function. Returns from the enclosing function.
 */
#define BLOCK_TIMED(call, name, fail, ...) do {					\
	__typeof__(real_##name(__VA_ARGS__)) r_;					\
	struct stamp t0_;								\
											\
	if (unlikely(!real_##name) && (real_init(), !real_##name))			\
		return fail;								\
	if (!begin_sig(&t0_))								\
		return real_##name(__VA_ARGS__);					\
	r_ = real_##name(__VA_ARGS__);							\
	end_sig(&t0_, call);								\
	return r_;									\
} while (0)

/*
 * Defines the wrapper of libc's name: when the profile is off, a load, a test and a jump
 * to the real function (so the compiler keeps everything else out of that path); the
 * rest in name##_timed_sig. params and args are the parenthesized parameter list and
 * the arguments.
 */
#define BLOCK_WRAP(ret, name, call, fail, params, args)				\
static __attribute__((noinline)) ret name##_timed_sig params			\
{										\
	BLOCK_TIMED(call, name, fail, BLOCK_UNPAREN args);			\
}										\
										\
CPROF_EXPORT ret name params							\
{										\
	if (likely(!atomic_load_explicit(&rate_ns, memory_order_relaxed)) &&	\
	    likely(real_##name != NULL))					\
		return real_##name args;					\
	return name##_timed_sig args;						\
}
#define BLOCK_UNPAREN(...) __VA_ARGS__

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

BLOCK_WRAP(int, pthread_join, BLOCK_JOIN, FAIL_NUMBER,
	   (pthread_t th, void **ret),
	   (th, ret))

BLOCK_WRAP(int, pthread_barrier_wait, BLOCK_BARRIER_WAIT, FAIL_NUMBER,
	   (pthread_barrier_t *b),
	   (b))

BLOCK_WRAP(int, sem_wait, BLOCK_SEM_WAIT, FAIL_ERRNO,
	   (sem_t *s),
	   (s))

BLOCK_WRAP(int, sem_timedwait, BLOCK_SEM_TIMEDWAIT, FAIL_ERRNO,
	   (sem_t *s, const struct timespec *abstime),
	   (s, abstime))

BLOCK_WRAP(int, sem_clockwait, BLOCK_SEM_CLOCKWAIT, FAIL_ERRNO,
	   (sem_t *s, clockid_t clock, const struct timespec *abstime),
	   (s, clock, abstime))

BLOCK_WRAP(int, nanosleep, BLOCK_NANOSLEEP, FAIL_ERRNO,
	   (const struct timespec *req, struct timespec *rem),
	   (req, rem))

BLOCK_WRAP(int, clock_nanosleep, BLOCK_CLOCK_NANOSLEEP, FAIL_NUMBER,
	   (clockid_t clock, int flags, const struct timespec *req, struct timespec *rem),
	   (clock, flags, req, rem))

BLOCK_WRAP(unsigned int, sleep, BLOCK_SLEEP, seconds,
	   (unsigned int seconds),
	   (seconds))

BLOCK_WRAP(int, usleep, BLOCK_USLEEP, FAIL_ERRNO,
	   (useconds_t usec),
	   (usec))

BLOCK_WRAP(ssize_t, read, BLOCK_READ, FAIL_ERRNO,
	   (int fd, void *buf, size_t n),
	   (fd, buf, n))

BLOCK_WRAP(ssize_t, write, BLOCK_WRITE, FAIL_ERRNO,
	   (int fd, const void *buf, size_t n),
	   (fd, buf, n))

BLOCK_WRAP(ssize_t, readv, BLOCK_READV, FAIL_ERRNO,
	   (int fd, const struct iovec *iov, int n),
	   (fd, iov, n))

BLOCK_WRAP(ssize_t, writev, BLOCK_WRITEV, FAIL_ERRNO,
	   (int fd, const struct iovec *iov, int n),
	   (fd, iov, n))

BLOCK_WRAP(ssize_t, pread, BLOCK_PREAD, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, off_t off),
	   (fd, buf, n, off))

BLOCK_WRAP(ssize_t, pwrite, BLOCK_PWRITE, FAIL_ERRNO,
	   (int fd, const void *buf, size_t n, off_t off),
	   (fd, buf, n, off))

BLOCK_WRAP(ssize_t, pread64, BLOCK_PREAD, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, off64_t off),
	   (fd, buf, n, off))

BLOCK_WRAP(ssize_t, pwrite64, BLOCK_PWRITE, FAIL_ERRNO,
	   (int fd, const void *buf, size_t n, off64_t off),
	   (fd, buf, n, off))

BLOCK_WRAP(ssize_t, recv, BLOCK_RECV, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, int flags),
	   (fd, buf, n, flags))

BLOCK_WRAP(ssize_t, recvfrom, BLOCK_RECVFROM, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, int flags, __SOCKADDR_ARG addr, socklen_t *len),
	   (fd, buf, n, flags, addr, len))

BLOCK_WRAP(ssize_t, recvmsg, BLOCK_RECVMSG, FAIL_ERRNO,
	   (int fd, struct msghdr *msg, int flags),
	   (fd, msg, flags))

BLOCK_WRAP(ssize_t, send, BLOCK_SEND, FAIL_ERRNO,
	   (int fd, const void *buf, size_t n, int flags),
	   (fd, buf, n, flags))

BLOCK_WRAP(ssize_t, sendto, BLOCK_SENDTO, FAIL_ERRNO,
	   (int fd, const void *buf, size_t n, int flags, __CONST_SOCKADDR_ARG addr, socklen_t len),
	   (fd, buf, n, flags, addr, len))

BLOCK_WRAP(ssize_t, sendmsg, BLOCK_SENDMSG, FAIL_ERRNO,
	   (int fd, const struct msghdr *msg, int flags),
	   (fd, msg, flags))

BLOCK_WRAP(int, accept, BLOCK_ACCEPT, FAIL_ERRNO,
	   (int fd, __SOCKADDR_ARG addr, socklen_t *len),
	   (fd, addr, len))

BLOCK_WRAP(int, accept4, BLOCK_ACCEPT4, FAIL_ERRNO,
	   (int fd, __SOCKADDR_ARG addr, socklen_t *len, int flags),
	   (fd, addr, len, flags))

BLOCK_WRAP(int, connect, BLOCK_CONNECT, FAIL_ERRNO,
	   (int fd, __CONST_SOCKADDR_ARG addr, socklen_t len),
	   (fd, addr, len))

BLOCK_WRAP(int, poll, BLOCK_POLL, FAIL_ERRNO,
	   (struct pollfd *fds, nfds_t n, int timeout),
	   (fds, n, timeout))

BLOCK_WRAP(int, ppoll, BLOCK_PPOLL, FAIL_ERRNO,
	   (struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask),
	   (fds, n, timeout, mask))

BLOCK_WRAP(int, select, BLOCK_SELECT, FAIL_ERRNO,
	   (int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout),
	   (n, r, w, e, timeout))

BLOCK_WRAP(int, pselect, BLOCK_PSELECT, FAIL_ERRNO,
	   (int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *timeout, const sigset_t *mask),
	   (n, r, w, e, timeout, mask))

BLOCK_WRAP(int, epoll_wait, BLOCK_EPOLL_WAIT, FAIL_ERRNO,
	   (int ep, struct epoll_event *ev, int max, int timeout),
	   (ep, ev, max, timeout))

BLOCK_WRAP(int, epoll_pwait, BLOCK_EPOLL_PWAIT, FAIL_ERRNO,
	   (int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask),
	   (ep, ev, max, timeout, mask))

BLOCK_WRAP(pid_t, wait, BLOCK_WAIT, FAIL_ERRNO,
	   (int *status),
	   (status))

BLOCK_WRAP(pid_t, waitpid, BLOCK_WAITPID, FAIL_ERRNO,
	   (pid_t pid, int *status, int options),
	   (pid, status, options))

BLOCK_WRAP(int, waitid, BLOCK_WAITID, FAIL_ERRNO,
	   (idtype_t type, id_t id, siginfo_t *info, int options),
	   (type, id, info, options))

BLOCK_WRAP(int, flock, BLOCK_FLOCK, FAIL_ERRNO,
	   (int fd, int op),
	   (fd, op))

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
BLOCK_WRAP(ssize_t, __read_chk, BLOCK_READ, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, size_t buflen),
	   (fd, buf, n, buflen))

BLOCK_WRAP(ssize_t, __pread_chk, BLOCK_PREAD, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, off_t off, size_t buflen),
	   (fd, buf, n, off, buflen))

BLOCK_WRAP(ssize_t, __pread64_chk, BLOCK_PREAD, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, off64_t off, size_t buflen),
	   (fd, buf, n, off, buflen))

BLOCK_WRAP(ssize_t, __recv_chk, BLOCK_RECV, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, size_t buflen, int flags),
	   (fd, buf, n, buflen, flags))

BLOCK_WRAP(ssize_t, __recvfrom_chk, BLOCK_RECVFROM, FAIL_ERRNO,
	   (int fd, void *buf, size_t n, size_t buflen, int flags, __SOCKADDR_ARG addr, socklen_t *len),
	   (fd, buf, n, buflen, flags, addr, len))

BLOCK_WRAP(int, __poll_chk, BLOCK_POLL, FAIL_ERRNO,
	   (struct pollfd *fds, nfds_t n, int timeout, size_t fdslen),
	   (fds, n, timeout, fdslen))

BLOCK_WRAP(int, __ppoll_chk, BLOCK_PPOLL, FAIL_ERRNO,
	   (struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask,
	    size_t fdslen),
	   (fds, n, timeout, mask, fdslen))
