/*
 * labels_work: the costs of cprof.h's labels and of a threads snapshot, measured inside
 * the program (for tests/bench/run-threads). Prints one "name value unit" line.
 *   labels_work pair N        ns per cprof_labels_push + cprof_labels_restore, a set
 *                             seen before (the per-request case), over N pairs, beyond
 *                             the cost of the same loop without them
 *   labels_work new N         ns per push + restore of a set never seen before (N <=
 *                             60000: each iteration a new request id)
 *   labels_work snapshot T N  ms per threads snapshot (cprof_write_profile) with T more
 *                             threads blocked in poll, over N snapshots
 * Without cprof the same calls are no-ops, and the numbers say what they cost then.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../preload/cprof.h"

static volatile unsigned long sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static __attribute__((noinline)) void request(void)
{
	sink++;
}

static void *blocked(void *arg)
{
	for (;;)
		poll(NULL, 0, -1);
	return arg;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000000;
	double t0, t1;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "pair")) {
		const char *kv[] = { "request", "checkout", "user", "ann" };
		double base;

		t0 = now_ns();
		for (long i = 0; i < n; i++)
			request();
		base = now_ns() - t0;
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			cprof_labels_t prev = cprof_labels_push(2, kv);

			request();
			cprof_labels_restore(prev);
		}
		t1 = now_ns();
		printf("pair %.1f ns\n", (t1 - t0 - base) / n);
	} else if (!strcmp(argv[1], "new")) {
		char id[32];
		const char *kv[] = { "request", id };

		if (n > 60000)
			n = 60000;
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			cprof_labels_t prev;

			snprintf(id, sizeof(id), "r%ld", i);
			prev = cprof_labels_push(1, kv);
			request();
			cprof_labels_restore(prev);
		}
		t1 = now_ns();
		printf("new %.1f ns\n", (t1 - t0) / n);
	} else if (!strcmp(argv[1], "snapshot") && argc > 3) {
		int threads = atoi(argv[2]);
		char path[64];

		n = atol(argv[3]);
		for (int i = 0; i < threads; i++) {
			pthread_t th;

			pthread_create(&th, NULL, blocked, NULL);
		}
		usleep(200000);
		snprintf(path, sizeof(path), "/tmp/labels_work.%d.prof", (int)getpid());
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			cprof_write_profile("goroutine", path, 0);
		t1 = now_ns();
		unlink(path);
		printf("snapshot %.2f ms\n", (t1 - t0) / n / 1e6);
	} else {
		return 2;
	}
	return 0;
}
