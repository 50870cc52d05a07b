/*
 * threads_blocked: named threads that block, each in its own noinline function, in poll,
 * nanosleep, epoll_wait, select, sem_timedwait, pthread_cond_wait (three identical
 * workers) and read, a thread that spins, busy threads that call poll and epoll_wait
 * with a zero timeout, and a thread that spins with every signal blocked. Every blocking
 * call is retried in a loop that counts EINTR.
 * Usage: threads_blocked [N DIR]: with N, takes N threads snapshots through cprof.h
 * (DIR/snap.I, protobuf; DIR/dump.txt, the thread dump; DIR/debug1.txt, Go's debug=1), 20 ms apart. Then prints
 * "thread NAME TID" for every thread and "eintr E calls C", and exits with the threads
 * still blocked. The poller and the spinner are in label sets (role=io, role=compute).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

static _Atomic long n_eintr, n_calls;
static _Atomic int started;
static int pipe_fd[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static volatile unsigned long spin_sink;

static void count(int rc)
{
	n_calls++;
	if (rc < 0 && errno == EINTR)
		n_eintr++;
}

#define BLOCKER(name, call)						\
	static __attribute__((noinline)) void name(void)		\
	{								\
		started++;						\
		for (;;)						\
			call;						\
	}

BLOCKER(threads_blocked_poll, ({ struct pollfd p = { pipe_fd[0], POLLIN, 0 }; count(poll(&p, 1, -1)); }))
BLOCKER(threads_blocked_nanosleep, ({ struct timespec ts = { 1000, 0 }; count(nanosleep(&ts, NULL)); }))
BLOCKER(threads_blocked_select, ({ fd_set s; FD_ZERO(&s); FD_SET(pipe_fd[0], &s); count(select(pipe_fd[0] + 1, &s, NULL, NULL, NULL)); }))
BLOCKER(threads_blocked_read, ({ char c; count((int)read(pipe_fd[0], &c, 1)); }))
BLOCKER(threads_blocked_sem, ({ struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_sec += 1000; count(sem_timedwait(&sem, &ts)); }))
BLOCKER(threads_blocked_busy_poll, ({ struct pollfd p = { pipe_fd[0], POLLIN, 0 }; count(poll(&p, 1, 0)); }))

static __attribute__((noinline)) void threads_blocked_epoll(int busy)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0);

	epoll_ctl(ep, EPOLL_CTL_ADD, pipe_fd[0], &ev);
	started++;
	for (;;)
		count(epoll_wait(ep, &ev, 1, busy ? 0 : -1));
}

static __attribute__((noinline)) void threads_blocked_cond(void)
{
	pthread_mutex_lock(&mu);
	started++;
	for (;;)
		count(pthread_cond_wait(&cv, &mu) ? -1 : 0);
}

static __attribute__((noinline)) void threads_blocked_spin(void)
{
	/* Labels: the signal handler reads them where the thread is. */
	cprof_labels_push(CPROF_PAIRS("role", "compute"));
	started++;
	for (;;)
		spin_sink++;
}

static __attribute__((noinline)) void threads_blocked_masked(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	started++;
	for (;;)
		spin_sink++;
}

struct job {
	const char *name;
	int kind;
	_Atomic pid_t tid;
};

static void *run(void *arg)
{
	struct job *j = arg;

	j->tid = (pid_t)syscall(SYS_gettid);
	pthread_setname_np(pthread_self(), j->name);
	switch (j->kind) {
	case 0:
		/* Labels of a blocked thread: the snapshot reads them from outside. */
		cprof_labels_push(CPROF_PAIRS("role", "io"));
		threads_blocked_poll();
		break;
	case 1: threads_blocked_nanosleep(); break;
	case 2: threads_blocked_select(); break;
	case 3: threads_blocked_read(); break;
	case 4: threads_blocked_sem(); break;
	case 5: threads_blocked_epoll(0); break;
	case 6: threads_blocked_cond(); break;
	case 7: threads_blocked_spin(); break;
	case 8: threads_blocked_masked(); break;
	case 9: threads_blocked_busy_poll(); break;
	case 10: threads_blocked_epoll(1); break;
	}
	return NULL;
}

static struct job jobs[] = {
	{ "poller", 0 }, { "sleeper", 1 }, { "selecter", 2 }, { "reader", 3 },
	{ "semwaiter", 4 }, { "epoller", 5 }, { "waiter", 6 }, { "waiter", 6 }, { "waiter", 6 },
	{ "spinner", 7 }, { "masked", 8 }, { "busypoll", 9 }, { "busyepoll", 10 },
};

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	struct timespec gap = { 0, 20 * 1000000 };
	char path[4096];

	if (pipe(pipe_fd) < 0 || sem_init(&sem, 0, 0) < 0)
		return 3;
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		pthread_t th;

		if (pthread_create(&th, NULL, run, &jobs[i]))
			return 3;
	}
	while (started < (int)(sizeof(jobs) / sizeof(jobs[0])))
		nanosleep(&gap, NULL);
	nanosleep(&gap, NULL);
	for (int i = 0; i < n; i++) {
		int rc;

		snprintf(path, sizeof(path), "%s/snap.%d", argv[2], i);
		rc = cprof_write_profile("goroutine", path, 0);
		if (rc) {
			fprintf(stderr, "threads_blocked: snapshot %d: %s\n", i, strerror(-rc));
			return 4;
		}
		nanosleep(&gap, NULL);
	}
	if (n) {
		snprintf(path, sizeof(path), "%s/dump.txt", argv[2]);
		cprof_write_profile("goroutine", path, 2);
		snprintf(path, sizeof(path), "%s/debug1.txt", argv[2]);
		cprof_write_profile("goroutine", path, 1);
	}
	printf("thread main %d\n", (int)getpid());
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
		printf("thread %s %d\n", jobs[i].name, (int)jobs[i].tid);
	printf("eintr %ld calls %ld\n", (long)n_eintr, (long)n_calls);
	fflush(stdout);
	_exit(0);
}
