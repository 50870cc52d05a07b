/*
 * locks_work: workloads for tests/bench/run-locks. Prints "ns_per_op X cpu_ns_per_op Y"
 * on stdout: the loop's wall time and the process's CPU time, divided by its operations.
 *   locks_work uncontended N   N lock/unlock pairs on a mutex no one else uses
 *   locks_work contended N     two threads, N lock/unlock pairs each, on one mutex
 *   locks_work pipe N          N writes of 64 bytes to a pipe, each read back at once
 *                              (the reads never block); an op is one write and one read
 *   locks_work pipe-mt N       the same in a process that has a second, idle thread (as
 *                              every process under cprof has: its background thread)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static long n_ops;
static volatile uint64_t counter;

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static __attribute__((noinline)) void uncontended(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	for (long i = 0; i < n_ops; i++) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
}

static void *contender(void *arg)
{
	for (long i = 0; i < n_ops; i++) {
		pthread_mutex_lock(&shared);
		counter++;
		pthread_mutex_unlock(&shared);
	}
	return NULL;
}

static void *idler(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static __attribute__((noinline)) void pipes(void)
{
	char buf[64];
	int p[2];

	if (pipe(p) < 0)
		exit(2);
	memset(buf, 1, sizeof(buf));
	for (long i = 0; i < n_ops; i++) {
		if (write(p[1], buf, sizeof(buf)) != sizeof(buf) ||
		    read(p[0], buf, sizeof(buf)) != sizeof(buf))
			exit(3);
	}
}

int main(int argc, char **argv)
{
	int64_t t0, c0;
	long ops;

	if (argc < 3)
		return 2;
	n_ops = ops = atol(argv[2]);
	t0 = now_ns(CLOCK_MONOTONIC);
	c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	if (!strcmp(argv[1], "uncontended")) {
		uncontended();
	} else if (!strcmp(argv[1], "contended")) {
		pthread_t a, b;

		pthread_create(&a, NULL, contender, NULL);
		pthread_create(&b, NULL, contender, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		ops = 2 * n_ops;
	} else if (!strcmp(argv[1], "pipe")) {
		pipes();
	} else if (!strcmp(argv[1], "pipe-mt")) {
		pthread_t idle;

		pthread_create(&idle, NULL, idler, NULL);
		t0 = now_ns(CLOCK_MONOTONIC);
		c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
		pipes();
	} else {
		return 2;
	}
	printf("ns_per_op %.2f cpu_ns_per_op %.2f\n", (double)(now_ns(CLOCK_MONOTONIC) - t0) / (double)ops,
	       (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)ops);
	return 0;
}
