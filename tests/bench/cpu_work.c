/*
 * cpu_work: a fixed amount of CPU work (so a profiler's overhead shows in the wall time),
 * through a call chain of a given depth, in one or more threads.
 * Usage: cpu_work THREADS DEPTH MILLIONS  (work units per thread, in millions)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long units;
static int depth;
static volatile uint64_t sink;

static __attribute__((noinline, noclone)) uint64_t work_leaf(long n)
{
	uint64_t h = 1469598103934665603ull;

	for (long i = 0; i < n; i++)
		h = (h ^ (uint64_t)i) * 1099511628211ull;
	return h;
}

static __attribute__((noinline, noclone)) uint64_t work_chain(int d, long n)
{
	uint64_t r;

	if (d <= 0)
		return work_leaf(n);
	r = work_chain(d - 1, n);
	sink += r;
	return r + 1;
}

static void *run(void *arg)
{
	for (long i = 0; i < units; i++)
		sink += work_chain(depth, 1000000);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads;
	pthread_t th[64];

	if (argc != 4)
		return 2;
	threads = atoi(argv[1]);
	depth = atoi(argv[2]);
	units = atol(argv[3]);
	if (threads < 1 || threads > 64)
		return 2;
	for (int i = 0; i < threads; i++)
		pthread_create(&th[i], NULL, run, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	return 0;
}
