/*
 * mutex_types: what every kind of pthread lock returns in the cases where kinds differ
 * (recursive, error-checking, robust, priority-inheritance and -protection mutexes,
 * timed and clock locks timing out, rwlocks, condition variables re-acquiring their
 * mutex, both glibc versions of pthread_cond_wait, barriers, semaphores), one line per
 * case with the results as error names. The output must be the same with and without
 * cprof. A helper thread holds locks for the contended cases. The timed-out waits (100 ms
 * each) happen in mutex_types_timeout.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The GLIBC_2.2.5 condition variable functions, as binaries from before 2003 call them. */
extern int old_cond_init(pthread_cond_t *, const pthread_condattr_t *);
extern int old_cond_destroy(pthread_cond_t *);
extern int old_cond_wait(pthread_cond_t *, pthread_mutex_t *);
extern int old_cond_timedwait(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);
extern int old_cond_signal(pthread_cond_t *);
__asm__(".symver old_cond_init, pthread_cond_init@GLIBC_2.2.5");
__asm__(".symver old_cond_destroy, pthread_cond_destroy@GLIBC_2.2.5");
__asm__(".symver old_cond_wait, pthread_cond_wait@GLIBC_2.2.5");
__asm__(".symver old_cond_timedwait, pthread_cond_timedwait@GLIBC_2.2.5");
__asm__(".symver old_cond_signal, pthread_cond_signal@GLIBC_2.2.5");

static char out[4096];

static const char *name(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : "?";
}

/* Appends " what=RESULT" to the current line. */
static void r(const char *what, int e)
{
	size_t n = strlen(out);

	snprintf(out + n, sizeof(out) - n, " %s=%s", what, name(e));
}

static void line(const char *title)
{
	printf("%s:%s\n", title, out);
	out[0] = 0;
}

/* errno-style results (semaphores, sleeps): the errno name, or 0. */
static int ev(int rc)
{
	return rc < 0 ? errno : 0;
}

static struct timespec in_ms(clockid_t clk, long ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static void mutex_init_kind(pthread_mutex_t *m, int type, int robust, int protocol)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	if (robust)
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (protocol >= 0)
		pthread_mutexattr_setprotocol(&a, protocol);
	if (protocol == PTHREAD_PRIO_PROTECT)
		pthread_mutexattr_setprioceiling(&a, 10);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* A helper thread that takes a lock, optionally holds it, optionally dies holding it. */
struct hold {
	pthread_mutex_t *m;
	pthread_rwlock_t *rw;
	long ms;
	int die;
	pthread_t th;
	sem_t taken;
};

static void *holder(void *arg)
{
	struct hold *h = arg;
	struct timespec ts = { h->ms / 1000, (h->ms % 1000) * 1000000 };

	if (h->m)
		pthread_mutex_lock(h->m);
	else
		pthread_rwlock_wrlock(h->rw);
	sem_post(&h->taken);
	if (h->die)
		return NULL;
	nanosleep(&ts, NULL);
	if (h->m)
		pthread_mutex_unlock(h->m);
	else
		pthread_rwlock_unlock(h->rw);
	return NULL;
}

static void hold_start(struct hold *h, pthread_mutex_t *m, pthread_rwlock_t *rw, long ms, int die)
{
	h->m = m;
	h->rw = rw;
	h->ms = ms;
	h->die = die;
	sem_init(&h->taken, 0, 0);
	pthread_create(&h->th, NULL, holder, h);
	while (sem_wait(&h->taken) < 0)
		;
}

static void hold_end(struct hold *h)
{
	pthread_join(h->th, NULL);
	sem_destroy(&h->taken);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void recursive(void)
{
	pthread_mutex_t m;

	mutex_init_kind(&m, PTHREAD_MUTEX_RECURSIVE, 0, -1);
	r("lock", pthread_mutex_lock(&m));
	r("lock", pthread_mutex_lock(&m));
	r("trylock", pthread_mutex_trylock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	line("recursive");
}

static void errorcheck(void)
{
	pthread_mutex_t m;
	struct hold h;

	mutex_init_kind(&m, PTHREAD_MUTEX_ERRORCHECK, 0, -1);
	r("lock", pthread_mutex_lock(&m));
	r("lock", pthread_mutex_lock(&m));
	r("trylock", pthread_mutex_trylock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	hold_start(&h, &m, NULL, 50, 0);
	r("unlock-not-owner", pthread_mutex_unlock(&m));
	r("lock-contended", pthread_mutex_lock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	hold_end(&h);
	line("errorcheck");
}

/* Timed and clock locks that time out after 100 ms, and a bad deadline. */
static __attribute__((noinline, noclone)) void mutex_types_timeout(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER, e;
	pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
	struct timespec ts, bad = { 0, 2000000000 };
	struct hold h;
	int64_t t0;

	mutex_init_kind(&e, PTHREAD_MUTEX_ERRORCHECK, 0, -1);
	hold_start(&h, &m, NULL, 600, 0);
	t0 = now_ms();
	ts = in_ms(CLOCK_REALTIME, 100);
	r("timedlock", pthread_mutex_timedlock(&m, &ts));
	ts = in_ms(CLOCK_MONOTONIC, 100);
	r("clocklock", pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &ts));
	r("timedlock-bad-deadline", pthread_mutex_timedlock(&m, &bad));
	r("took-200ms", now_ms() - t0 >= 195 ? 0 : ETIME);
	hold_end(&h);
	r("timedlock-free-bad-deadline", pthread_mutex_timedlock(&m, &bad));
	r("unlock", pthread_mutex_unlock(&m));
	r("errorcheck-timedlock", pthread_mutex_timedlock(&e, &bad));
	ts = in_ms(CLOCK_REALTIME, 100);
	r("errorcheck-timedlock-owner", pthread_mutex_timedlock(&e, &ts));
	r("unlock", pthread_mutex_unlock(&e));
	hold_start(&h, NULL, &rw, 300, 0);
	ts = in_ms(CLOCK_REALTIME, 100);
	r("timedrdlock", pthread_rwlock_timedrdlock(&rw, &ts));
	ts = in_ms(CLOCK_MONOTONIC, 100);
	r("clockwrlock", pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &ts));
	hold_end(&h);
	line("timeout");
}

static void robust(void)
{
	pthread_mutex_t m, n;
	struct hold h;

	mutex_init_kind(&m, PTHREAD_MUTEX_NORMAL, 1, -1);
	hold_start(&h, &m, NULL, 0, 1);
	hold_end(&h);
	r("lock-owner-died", pthread_mutex_lock(&m));
	r("consistent", pthread_mutex_consistent(&m));
	r("unlock", pthread_mutex_unlock(&m));
	r("lock", pthread_mutex_lock(&m));
	r("unlock", pthread_mutex_unlock(&m));
	hold_start(&h, &m, NULL, 0, 1);
	hold_end(&h);
	r("lock-owner-died", pthread_mutex_lock(&m));
	r("unlock-inconsistent", pthread_mutex_unlock(&m));
	r("lock-not-recoverable", pthread_mutex_lock(&m));
	mutex_init_kind(&n, PTHREAD_MUTEX_ERRORCHECK, 1, -1);
	hold_start(&h, &n, NULL, 0, 1);
	hold_end(&h);
	r("errorcheck-timedlock-owner-died", pthread_mutex_timedlock(&n, &(struct timespec){ 0, 0 }));
	r("consistent", pthread_mutex_consistent(&n));
	r("lock-again", pthread_mutex_lock(&n));
	r("unlock", pthread_mutex_unlock(&n));
	line("robust");
}

static void priority(void)
{
	pthread_mutex_t pi, pie, pp;
	struct hold h;

	mutex_init_kind(&pi, PTHREAD_MUTEX_NORMAL, 0, PTHREAD_PRIO_INHERIT);
	r("pi-lock", pthread_mutex_lock(&pi));
	r("pi-unlock", pthread_mutex_unlock(&pi));
	hold_start(&h, &pi, NULL, 50, 0);
	r("pi-lock-contended", pthread_mutex_lock(&pi));
	r("pi-unlock", pthread_mutex_unlock(&pi));
	hold_end(&h);
	mutex_init_kind(&pie, PTHREAD_MUTEX_ERRORCHECK, 0, PTHREAD_PRIO_INHERIT);
	r("pi-errorcheck-lock", pthread_mutex_lock(&pie));
	r("pi-errorcheck-lock", pthread_mutex_lock(&pie));
	r("pi-errorcheck-unlock", pthread_mutex_unlock(&pie));
	mutex_init_kind(&pp, PTHREAD_MUTEX_NORMAL, 0, PTHREAD_PRIO_PROTECT);
	r("pp-lock", pthread_mutex_lock(&pp));
	r("pp-unlock", pthread_mutex_unlock(&pp));
	line("priority");
}

static pthread_cond_t cond = PTHREAD_COND_INITIALIZER, old_cond;
static pthread_mutex_t cond_m;
static int cond_flag;

static void *signaller(void *arg)
{
	struct timespec ts = { 0, 50 * 1000000 };
	int old = arg != NULL;

	nanosleep(&ts, NULL);
	pthread_mutex_lock(&cond_m);
	cond_flag = 1;
	if (old)
		old_cond_signal(&old_cond);
	else
		pthread_cond_signal(&cond);
	/* Keep the mutex a while: the waiter re-acquires it under contention. */
	nanosleep(&ts, NULL);
	pthread_mutex_unlock(&cond_m);
	return NULL;
}

static void condvars(void)
{
	struct timespec ts;
	pthread_t th;
	int rc = 0;

	mutex_init_kind(&cond_m, PTHREAD_MUTEX_ERRORCHECK, 0, -1);
	for (int old = 0; old < 2; old++) {
		if (old)
			r("old-init", old_cond_init(&old_cond, NULL));
		cond_flag = 0;
		r("lock", pthread_mutex_lock(&cond_m));
		pthread_create(&th, NULL, signaller, old ? &old_cond : NULL);
		while (!cond_flag && rc == 0)
			rc = old ? old_cond_wait(&old_cond, &cond_m) : pthread_cond_wait(&cond, &cond_m);
		r(old ? "old-wait" : "wait", rc);
		/* The wait re-acquired the mutex: this thread owns it. */
		r("trylock-owner", pthread_mutex_trylock(&cond_m));
		r("lock-owner", pthread_mutex_lock(&cond_m));
		ts = in_ms(CLOCK_REALTIME, 50);
		r(old ? "old-timedwait" : "timedwait",
		  old ? old_cond_timedwait(&old_cond, &cond_m, &ts)
		      : pthread_cond_timedwait(&cond, &cond_m, &ts));
		r("unlock", pthread_mutex_unlock(&cond_m));
		r("unlock-again", pthread_mutex_unlock(&cond_m));
		pthread_join(th, NULL);
		if (old)
			r("old-destroy", old_cond_destroy(&old_cond));
	}
	r("lock", pthread_mutex_lock(&cond_m));
	ts = in_ms(CLOCK_MONOTONIC, 50);
	r("clockwait", pthread_cond_clockwait(&cond, &cond_m, CLOCK_MONOTONIC, &ts));
	r("unlock", pthread_mutex_unlock(&cond_m));
	line("condvar");
}

static void rwlocks(void)
{
	pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

	r("rdlock", pthread_rwlock_rdlock(&rw));
	r("rdlock", pthread_rwlock_rdlock(&rw));
	r("trywrlock", pthread_rwlock_trywrlock(&rw));
	r("unlock", pthread_rwlock_unlock(&rw));
	r("unlock", pthread_rwlock_unlock(&rw));
	r("wrlock", pthread_rwlock_wrlock(&rw));
	r("rdlock-writer", pthread_rwlock_rdlock(&rw));
	r("wrlock-writer", pthread_rwlock_wrlock(&rw));
	r("tryrdlock", pthread_rwlock_tryrdlock(&rw));
	r("unlock", pthread_rwlock_unlock(&rw));
	r("tryrdlock", pthread_rwlock_tryrdlock(&rw));
	r("unlock", pthread_rwlock_unlock(&rw));
	line("rwlock");
}

static pthread_barrier_t barrier;

static void *barrier_thread(void *arg)
{
	return (void *)(intptr_t)pthread_barrier_wait(&barrier);
}

static void others(void)
{
	struct timespec ts, bad = { 0, -1 };
	pthread_t th;
	void *ret;
	sem_t s;
	int a, b, serial;

	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&th, NULL, barrier_thread, NULL);
	a = pthread_barrier_wait(&barrier);
	r("join", pthread_join(th, &ret));
	b = (int)(intptr_t)ret;
	serial = (a == PTHREAD_BARRIER_SERIAL_THREAD) + (b == PTHREAD_BARRIER_SERIAL_THREAD);
	r("barrier-one-serial", serial == 1 && (a == 0 || b == 0) ? 0 : EINVAL);
	r("join-self", pthread_join(pthread_self(), NULL));
	sem_init(&s, 0, 1);
	r("sem_wait", ev(sem_wait(&s)));
	ts = in_ms(CLOCK_REALTIME, 20);
	r("sem_timedwait", ev(sem_timedwait(&s, &ts)));
	ts = in_ms(CLOCK_MONOTONIC, 20);
	r("sem_clockwait", ev(sem_clockwait(&s, CLOCK_MONOTONIC, &ts)));
	r("sem_timedwait-bad", ev(sem_timedwait(&s, &bad)));
	r("nanosleep-bad", ev(nanosleep(&bad, NULL)));
	r("clock_nanosleep-bad-clock", clock_nanosleep(12345, 0, &(struct timespec){ 0, 1 }, NULL));
	r("usleep", ev(usleep(1000)));
	r("sleep", (int)sleep(0));
	line("others");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	recursive();
	errorcheck();
	mutex_types_timeout();
	robust();
	priority();
	condvars();
	rwlocks();
	others();
	return 0;
}
