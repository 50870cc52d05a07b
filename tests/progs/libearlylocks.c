/*
 * libearlylocks: a library whose constructor runs before libcprof.so's (it is a dependency
 * of the program, cprof is preloaded) and calls the functions cprof interposes for the
 * mutex and block profiles: a mutex, a condition variable wait that times out, a pipe
 * written and read, a nanosleep, poll and a fcntl. early_locks_result() says how it went.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static const char *result = "constructor did not run";

__attribute__((constructor)) static void early_locks(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec ts = { 0, 1000000 };
	struct pollfd pfd;
	char buf[4];
	int p[2];

	if (pthread_mutex_lock(&m) || pthread_mutex_trylock(&m) != EBUSY) {
		result = "mutex lock failed";
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (pthread_cond_timedwait(&c, &m, &ts) != ETIMEDOUT || pthread_mutex_unlock(&m)) {
		result = "condition variable wait failed";
		return;
	}
	if (pipe(p) || write(p[1], "abc", 3) != 3 || fcntl(p[0], F_GETFL) < 0) {
		result = "pipe failed";
		return;
	}
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 100) != 1 || read(p[0], buf, 4) != 3) {
		result = "pipe read failed";
		return;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	if (nanosleep(&ts, NULL)) {
		result = "nanosleep failed";
		return;
	}
	close(p[0]);
	close(p[1]);
	result = "ok";
}

const char *early_locks_result(void)
{
	return result;
}
