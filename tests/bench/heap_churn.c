/*
 * heap_churn: malloc/free churn for tests/bench/run-heap. Each thread keeps 256 blocks
 * and replaces a random one per step with a new block of 16 B to 64 KiB (sizes spread
 * evenly over the powers of two), writing its first bytes.
 * Usage: heap_churn THREADS MILLIONS_OF_STEPS_PER_THREAD
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long steps;

static __attribute__((noinline)) void *churn_alloc(size_t n)
{
	char *p = malloc(n);

	memset(p, 1, n < 32 ? n : 32);
	return p;
}

static void *churn(void *arg)
{
	void *keep[256] = { 0 };
	uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1;

	for (long i = 0; i < steps; i++) {
		int slot;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		slot = x & 255;
		free(keep[slot]);
		keep[slot] = churn_alloc((size_t)16 << ((x >> 8) % 13));
	}
	for (int i = 0; i < 256; i++)
		free(keep[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	pthread_t th[64];

	steps = (long)((argc > 2 ? atof(argv[2]) : 2) * 1e6);
	if (n < 1 || n > 64)
		return 2;
	for (long i = 0; i < n; i++)
		pthread_create(&th[i], NULL, churn, (void *)(i + 1));
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
