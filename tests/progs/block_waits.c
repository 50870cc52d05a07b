/*
 * block_waits: the main thread waits three times, each time for about MS milliseconds,
 * and measures each wait with clock_gettime: it sleeps (nanosleep) in block_waits_sleep,
 * waits on a condition variable that a helper signals in block_waits_cond, and reads a
 * pipe the helper writes to in block_waits_pipe. The helper sleeps MS before each of its
 * two actions (in block_waits_helper). Prints "sleep_ns A cond_ns B pipe_ns C".
 * Usage: block_waits [ms]  (default 200)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int signalled;
static int pipefd[2];
static long ms;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(long n)
{
	struct timespec ts = { n / 1000, (n % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static __attribute__((noinline, noclone)) int64_t block_waits_sleep(void)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	int64_t t0 = now_ns();

	nanosleep(&ts, NULL);
	return now_ns() - t0;
}

static __attribute__((noinline, noclone)) int64_t block_waits_cond(void)
{
	int64_t t0, d;

	pthread_mutex_lock(&lock);
	t0 = now_ns();
	while (!signalled)
		pthread_cond_wait(&cond, &lock);
	d = now_ns() - t0;
	pthread_mutex_unlock(&lock);
	return d;
}

static __attribute__((noinline, noclone)) int64_t block_waits_pipe(void)
{
	int64_t t0 = now_ns();
	char c;

	if (read(pipefd[0], &c, 1) != 1)
		exit(3);
	return now_ns() - t0;
}

static __attribute__((noinline, noclone)) void block_waits_helper(void)
{
	sleep_ms(ms);
	pthread_mutex_lock(&lock);
	signalled = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	sleep_ms(ms);
	if (write(pipefd[1], "x", 1) != 1)
		exit(3);
}

static void *helper(void *arg)
{
	block_waits_helper();
	return NULL;
}

int main(int argc, char **argv)
{
	int64_t s, c, p;
	pthread_t th;

	ms = argc > 1 ? atol(argv[1]) : 200;
	if (pipe(pipefd) < 0)
		return 2;
	s = block_waits_sleep();
	pthread_create(&th, NULL, helper, NULL);
	c = block_waits_cond();
	p = block_waits_pipe();
	pthread_join(th, NULL);
	printf("sleep_ns %lld cond_ns %lld pipe_ns %lld\n", (long long)s, (long long)c, (long long)p);
	return 0;
}
