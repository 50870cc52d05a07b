/*
 * demo: the program "make demo" profiles. It finds primes, hashes strings and sorts
 * numbers, each in a function of its own, so the profile's top functions say where the
 * time went: demo_primes, demo_hash and demo_sort, about a third each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline, noclone)) int demo_primes(int limit)
{
	int count = 0;

	for (int n = 2; n < limit; n++) {
		int prime = 1;

		for (int d = 2; d * d <= n; d++)
			if (n % d == 0) {
				prime = 0;
				break;
			}
		count += prime;
	}
	return count;
}

static __attribute__((noinline, noclone)) uint64_t demo_hash(int rounds)
{
	char buf[64];
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < rounds; i++) {
		snprintf(buf, sizeof(buf), "record-%d", i);
		for (char *p = buf; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	}
	return h;
}

static int by_value(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static __attribute__((noinline, noclone)) int demo_sort(int n)
{
	int *v = malloc(n * sizeof(int));
	int median;

	for (int i = 0; i < n; i++)
		v[i] = rand();
	qsort(v, n, sizeof(int), by_value);
	median = v[n / 2];
	free(v);
	return median;
}

int main(void)
{
	int primes = 0, median = 0;
	uint64_t hash = 0;

	for (int i = 0; i < 15; i++) {
		primes = demo_primes(2200000);
		hash = hash * 31 + demo_hash(200000);
		median = demo_sort(150000);
	}
	printf("primes below 2200000: %d, hash %016llx, median %d\n", primes,
	       (unsigned long long)hash, median);
	return 0;
}
