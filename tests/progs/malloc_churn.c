/*
 * malloc_churn: two threads allocate and free blocks of mixed sizes (16 B to 64 KiB)
 * through a few call levels, for a given CPU time. Prints "allocs N".
 * Usage: malloc_churn [ms]  (default 1500)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "burn.h"

static int64_t budget_ns;
static _Atomic long n_allocs;

static __attribute__((noinline)) void *churn_alloc(size_t n)
{
	void *p = malloc(n);

	memset(p, 1, n < 64 ? n : 64);
	return p;
}

static __attribute__((noinline)) void *churn_thread(void *arg)
{
	void *keep[256] = { 0 };
	unsigned x = (unsigned)(uintptr_t)arg * 2654435761u + 1;
	int64_t end = thread_cpu_ns() + budget_ns;

	while (thread_cpu_ns() < end) {
		for (int i = 0; i < 1000; i++) {
			int slot;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			slot = x % 256;
			free(keep[slot]);
			keep[slot] = churn_alloc(16u << (x % 13));
			n_allocs++;
		}
	}
	for (int i = 0; i < 256; i++)
		free(keep[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[2];

	budget_ns = (argc > 1 ? atoll(argv[1]) : 1500) * 1000000;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, churn_thread, (void *)(intptr_t)(i + 1));
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("allocs %ld\n", (long)n_allocs);
	return 0;
}
