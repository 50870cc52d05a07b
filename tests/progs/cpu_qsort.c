/*
 * cpu_qsort: the hot function is a qsort comparator, called from inside libc (built
 * without frame pointers, as is this program), so its callers are only found through
 * DWARF unwind information: qsort_compare <- libc's qsort internals <- qsort_driver <- main.
 * Usage: cpu_qsort [ms]  (default 1500)
 */
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

static __attribute__((noinline)) int qsort_compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	for (int i = 0; i < 40; i++)	/* make the comparator the hot spot */
		burn_sink += (uint64_t)i * 31;
	return (x > y) - (x < y);
}

static __attribute__((noinline)) void qsort_driver(int64_t ns)
{
	static double v[50000];
	int64_t end = thread_cpu_ns() + ns;

	while (thread_cpu_ns() < end) {
		for (int i = 0; i < 50000; i++)
			v[i] = rand() / (double)RAND_MAX;
		qsort(v, 50000, sizeof(double), qsort_compare);
	}
}

int main(int argc, char **argv)
{
	qsort_driver((argc > 1 ? atoll(argv[1]) : 1500) * 1000000);
	return 0;
}
