/*
 * heap_free: the cost of one malloc and one free, for tests/bench/run-heap: allocates
 * N blocks of 64 bytes, then frees them, timing each loop; repeats 5 times and prints the
 * best round as "malloc_ns X free_ns Y" (nanoseconds per call).
 * Usage: heap_free [N]   (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	void **p = calloc((size_t)n, sizeof(*p));
	double best_m = 1e18, best_f = 1e18;

	if (!p)
		return 2;
	for (int r = 0; r < 5; r++) {
		double t0 = now(), t1, t2;

		for (long i = 0; i < n; i++)
			p[i] = malloc(64);
		t1 = now();
		for (long i = 0; i < n; i++)
			free(p[i]);
		t2 = now();
		if (t1 - t0 < best_m)
			best_m = t1 - t0;
		if (t2 - t1 < best_f)
			best_f = t2 - t1;
	}
	printf("malloc_ns %.1f free_ns %.1f\n", best_m / n, best_f / n);
	free(p);
	return 0;
}
