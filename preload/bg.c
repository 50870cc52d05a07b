/*
 * bg.c: the background thread. Every 100 ms it looks for objects loaded or unloaded
 * (module snapshots for the unwinder), every second for threads that bypassed
 * pthread_create and for threads that have gone. Later collectors hang their periodic
 * work (dump requests, continuous profiles) here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bg.h"
#include "log.h"
#include "modules.h"
#include "real.h"
#include "threads.h"

static int wake_fd = -1;
static _Atomic bool alive;
static void (*_Atomic hooks[16])(void);
static _Atomic pid_t bg_tid;

/*
 * The one job slot (bg_run). States move IDLE -> QUEUED (a caller filled it) ->
 * RUNNING (the thread took it) -> DONE -> IDLE (the caller collected it), or QUEUED ->
 * CANCELLED -> IDLE when the caller gave up waiting and ran the job itself. Static, so
 * the thread never touches a caller's stack after the caller returned.
 */
enum { JOB_IDLE, JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_CANCELLED };

static struct {
	_Atomic int state;
	void (*fn)(void *);
	void *arg;
} job;

static void futex_wait(_Atomic int *addr, int val, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static void futex_wake(_Atomic int *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void take_job(void)
{
	int queued = JOB_QUEUED;

	if (!atomic_compare_exchange_strong(&job.state, &queued, JOB_RUNNING))
		return;
	job.fn(job.arg);
	atomic_store(&job.state, JOB_DONE);
	futex_wake(&job.state);
}

void bg_run(void (*fn)(void *), void *arg)
{
	int idle = JOB_IDLE;

	if (!atomic_load(&alive) || (pid_t)syscall(SYS_gettid) == atomic_load(&bg_tid)) {
		fn(arg);
		return;
	}
	while (!atomic_compare_exchange_strong(&job.state, &idle, JOB_QUEUED)) {
		futex_wait(&job.state, idle, 10);
		idle = JOB_IDLE;
	}
	job.fn = fn;
	job.arg = arg;
	bg_wake_sig();
	for (int waited = 0;; waited += 100) {
		int st = atomic_load(&job.state), queued = JOB_QUEUED;

		if (st == JOB_DONE)
			break;
		if (st == JOB_QUEUED && waited >= 10000 &&
		    atomic_compare_exchange_strong(&job.state, &queued, JOB_CANCELLED)) {
			fn(arg);
			break;
		}
		futex_wait(&job.state, st, 100);
	}
	atomic_store(&job.state, JOB_IDLE);
	futex_wake(&job.state);
}

int bg_add_hook(void (*fn)(void))
{
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		void (*none)(void) = NULL;

		if (atomic_compare_exchange_strong(&hooks[i], &none, fn))
			return 0;
	}
	return -ENOSPC;
}

void bg_fork_child(void)
{
	atomic_store(&alive, false);
	atomic_store(&job.state, JOB_IDLE);
}

/*
 * True when every other thread of the process has ended and the main thread is a zombie
 * (it called pthread_exit). glibc ends the process when its last thread ends, counting
 * this one: the background thread must then leave, or the program never exits.
 */
static bool only_one_left(void)
{
	pid_t tids[4], self = (pid_t)syscall(SYS_gettid), pid = getpid();
	char path[64], buf[256], *paren;
	int n;
	ssize_t got;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ' || paren[2] != 'Z')
		return false;
	n = threads_list(tids, ARRAY_SIZE(tids));
	for (int i = 0; i < n; i++) {
		if (tids[i] == self || tids[i] == pid)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		got = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (fd >= 0)
			close(fd);
		if (got <= 0)
			continue;	/* gone meanwhile */
		buf[got] = '\0';
		paren = strrchr(buf, ')');
		if (!paren || paren[1] != ' ' || (paren[2] != 'Z' && paren[2] != 'X'))
			return false;
	}
	return n >= 0 && n < (int)ARRAY_SIZE(tids);
}

static void *bg_main(void *arg)
{
	unsigned tick = 0;

	cprof_tls.in_cprof = 1;	/* nothing this thread does is the program's */
	threads_exclude_self();
	atomic_store(&bg_tid, (pid_t)syscall(SYS_gettid));
	prctl(PR_SET_NAME, "cprof", 0, 0, 0);
	atomic_store(&alive, true);
	for (;;) {
		struct pollfd pfd = { wake_fd, POLLIN, 0 };
		uint64_t v;

		if (poll(&pfd, 1, 100) > 0 && read(wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		take_job();
		for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
			void (*fn)(void) = atomic_load(&hooks[i]);

			if (fn)
				fn();
		}
		tick++;
		if (modules_changed())
			modules_refresh();
		if (tick % 10 == 0 && threads_rescan() > 0)
			modules_regions_refresh();
		if (only_one_left())
			break;
	}
	/*
	 * Leaving lets glibc see the process's last thread end and call exit(0), here (the
	 * profiles are then written on this thread: bg_run finds it no longer alive).
	 */
	atomic_store(&alive, false);
	return NULL;
}

int bg_start(void)
{
	pthread_t th;
	pthread_attr_t attr;
	sigset_t all;
	int rc;

	if (wake_fd >= 0)
		close(wake_fd);
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0)
		return -errno;
	/* The thread starts with every signal blocked: no signal is ever its to take. */
	sigfillset(&all);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	pthread_attr_setsigmask_np(&attr, &all);
	rc = real_pthread_create(&th, &attr, bg_main, NULL);
	pthread_attr_destroy(&attr);
	if (rc) {
		log_warn("cannot start the background thread: %s", strerror(rc));
		return -rc;
	}
	return 0;
}

/* --- signal context --- */

void bg_wake_sig(void)
{
	uint64_t one = 1;
	int saved = errno;

	if (wake_fd >= 0 && write(wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: already awake with a full counter. */
	}
	errno = saved;
}
