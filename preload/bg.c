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
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bg.h"
#include "http.h"
#include "log.h"
#include "modules.h"
#include "real.h"
#include "threads.h"

/*
 * 1 when the thread is to wake early. A futex word rather than an eventfd: a program may
 * close every descriptor it did not open and reuse the numbers, and the thread would then
 * poll and read the program's own file (spinning, and moving its file offset).
 */
static _Atomic int wake_word;
static _Atomic int alive;	/* 1 while the thread runs; a futex word */
static void (*_Atomic hooks[16])(void);
static _Atomic pid_t bg_tid;

/*
 * The one job slot (bg_run). States move IDLE -> FILLING (a caller claimed it and is
 * writing fn and arg) -> QUEUED (filled; the thread may take it) -> RUNNING (taken) ->
 * DONE -> IDLE (the caller collected it). A caller that gives up waiting either cancels a
 * job still QUEUED (CANCELLED -> IDLE, and runs it itself) or abandons a RUNNING one
 * (ABANDONED: the thread sets IDLE when it finishes). Static, so the thread never touches
 * a caller's stack after the caller returned.
 */
enum { JOB_IDLE, JOB_FILLING, JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_CANCELLED, JOB_ABANDONED };

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
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

static void take_job(void)
{
	int st = JOB_QUEUED;

	if (!atomic_compare_exchange_strong(&job.state, &st, JOB_RUNNING))
		return;
	job.fn(job.arg);
	st = JOB_RUNNING;
	if (!atomic_compare_exchange_strong(&job.state, &st, JOB_DONE))
		atomic_store(&job.state, JOB_IDLE);	/* abandoned: nobody will collect it */
	futex_wake(&job.state);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The limit is a deadline on the monotonic clock: the futex waits end early whenever a
 * signal handler runs (a program with a 1 kHz interval timer), so counting them would
 * cut the limit short.
 */
int bg_run(void (*fn)(void *), void *arg, int limit_ms)
{
	int64_t deadline = now_ms() + limit_ms;
	int st = JOB_IDLE;

	if (!atomic_load(&alive) || (pid_t)syscall(SYS_gettid) == atomic_load(&bg_tid)) {
		fn(arg);
		return 0;
	}
	while (!atomic_compare_exchange_strong(&job.state, &st, JOB_FILLING)) {
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		futex_wait(&job.state, st, 10);
		st = JOB_IDLE;
	}
	job.fn = fn;
	job.arg = arg;
	atomic_store_explicit(&job.state, JOB_QUEUED, memory_order_release);
	bg_wake_sig();
	for (;;) {
		st = atomic_load(&job.state);
		if (st == JOB_DONE)
			break;
		if (now_ms() >= deadline) {
			int queued = JOB_QUEUED, running = JOB_RUNNING;

			if (atomic_compare_exchange_strong(&job.state, &queued, JOB_CANCELLED)) {
				/*
				 * Never taken. A thread that has ended cannot: do it here. One
				 * still alive is stuck, most likely on a lock the interrupted
				 * program holds (malloc's, the loader's), which the job would
				 * need as well: give up.
				 */
				if (atomic_load(&alive)) {
					atomic_store(&job.state, JOB_IDLE);
					futex_wake(&job.state);
					return -ETIMEDOUT;
				}
				fn(arg);
				break;
			}
			if (atomic_compare_exchange_strong(&job.state, &running, JOB_ABANDONED))
				return -ETIMEDOUT;
			continue;	/* it finished meanwhile */
		}
		futex_wait(&job.state, st, 100);
	}
	atomic_store(&job.state, JOB_IDLE);
	futex_wake(&job.state);
	return 0;
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
	atomic_store(&alive, 0);
	atomic_store(&job.state, JOB_IDLE);
}

/* Closes every fd from lo up to, not including, hi (hi 0: all). */
static void close_between(int lo, int hi)
{
	unsigned int last = hi > 0 ? (unsigned int)hi - 1 : ~0u;

	if (hi > 0 && lo >= hi)
		return;
	if (syscall(SYS_close_range, (unsigned int)lo, last, 0) == 0)
		return;
	for (int fd = lo; fd <= (hi > 0 ? hi - 1 : 65535); fd++)
		close(fd);
}

/*
 * Gives this thread a file table of its own. A thread that shares the program's table
 * makes every read and write of a single-threaded program slower (the kernel's fdget
 * takes a reference unless the table is unshared: about 75 ns per call here), and
 * cprof's own files (profiles being written, its sockets) then never appear in the
 * program's table. The copy keeps only what this thread uses: stderr and the launcher's
 * socket; holding anything else would keep it open after the program closed it (a pipe
 * whose reader waits for end of file). Threads this thread creates share its table.
 */
static void private_fd_table(void)
{
	int keep[2] = { 2, log_handshake_fd() }, lo = 0;

	if (unshare(CLONE_FILES) != 0)
		return;
	if (keep[1] < keep[0]) {
		keep[1] = keep[0];
		keep[0] = log_handshake_fd();
	}
	for (int i = 0; i < 2; i++) {
		if (keep[i] < lo)
			continue;
		close_between(lo, keep[i]);
		lo = keep[i] + 1;
	}
	close_between(lo, 0);
}

/*
 * Once the program has closed or replaced its stderr, this thread lets go of its copy.
 * Only on evidence: /proc unreadable (not mounted in a container) keeps it.
 */
static void drop_stale_stderr(void)
{
	struct stat mine, theirs;

	if (fstat(2, &mine) != 0)
		return;
	if (stat("/proc/self/fd/2", &theirs) == 0) {
		if (mine.st_dev != theirs.st_dev || mine.st_ino != theirs.st_ino)
			close(2);
	} else if (errno == ENOENT && access("/proc/self/fd", F_OK) == 0) {
		close(2);
	}
}

/*
 * True when every other thread of the process has ended and the main thread is a zombie
 * (it called pthread_exit). glibc ends the process when its last thread ends, counting
 * this one: the background thread must then leave, or the program never exits.
 */
static bool only_one_left(void)
{
	pid_t tids[16], self = (pid_t)syscall(SYS_gettid), pid = getpid();
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
		/* The profiler's own threads (this one, the HTTP server's) do not count. */
		if (tids[i] == self || tids[i] == pid || threads_excluded(tids[i]))
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
	unsigned tick = 0, regions_tick = 0;

	cprof_tls.in_cprof = 1;	/* nothing this thread does is the program's */
	private_fd_table();
	threads_exclude_self();
	atomic_store(&bg_tid, (pid_t)syscall(SYS_gettid));
	prctl(PR_SET_NAME, "cprof", 0, 0, 0);
	atomic_store(&alive, 1);
	futex_wake(&alive);
	for (;;) {
		if (!atomic_exchange(&wake_word, 0))
			futex_wait(&wake_word, 0, 100);
		atomic_store(&wake_word, 0);
		take_job();
		for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
			void (*fn)(void) = atomic_load(&hooks[i]);

			if (fn)
				fn();
		}
		tick++;
		if (modules_changed())
			modules_refresh();
		/*
		 * The writable regions bound the unwinder's reads on stacks it was not told
		 * about (threads that bypassed pthread_create, coroutines): re-read when new
		 * threads appear, when an unwind met a stack they do not know (every 200 ms at
		 * most: an sp that is no stack's would otherwise cost a read of the maps every
		 * tick), and every 5 seconds.
		 */
		if ((tick % 10 == 0 && threads_rescan() > 0) || tick % 50 == 0 ||
		    (tick - regions_tick >= 2 && modules_regions_missed())) {
			modules_regions_refresh();
			regions_tick = tick;
		}
		if (tick % 10 == 0)
			drop_stale_stderr();
		if (only_one_left()) {
			/* The server's threads must end too, or the process never does. */
			http_stop();
			break;
		}
	}
	/*
	 * Leaving lets glibc see the process's last thread end and call exit(0), here (the
	 * profiles are then written on this thread: bg_run finds it no longer alive).
	 */
	atomic_store(&alive, 0);
	return NULL;
}

int bg_start(bool wait)
{
	pthread_t th;
	pthread_attr_t attr;
	sigset_t all;
	int rc;

	atomic_store(&wake_word, 0);
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
	/*
	 * Wait (a second at most) until it runs, so that work handed to bg_run right after
	 * start-up (the HTTP server) happens there, in its private file table, and not inline.
	 */
	for (int i = 0; wait && i < 10 && !atomic_load(&alive); i++)
		futex_wait(&alive, 0, 100);
	return 0;
}

/* --- signal context --- */

void bg_wake_sig(void)
{
	int saved = errno;

	if (!atomic_exchange(&wake_word, 1))
		syscall(SYS_futex, &wake_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved;
}
