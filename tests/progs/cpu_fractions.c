/*
 * cpu_fractions: spends 50%, 30% and 20% of its CPU time in three functions, in
 * interleaved rounds, and prints what it measured: "fraction NAME PERCENT".
 * Usage: cpu_fractions [total_ms]  (default 3000)
 */
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

static int64_t spent[3];

static __attribute__((noinline)) void fractions_fifty(int64_t ns)
{
	int64_t t0 = thread_cpu_ns();

	BURN_NS(ns);
	spent[0] += thread_cpu_ns() - t0;
}

static __attribute__((noinline)) void fractions_thirty(int64_t ns)
{
	int64_t t0 = thread_cpu_ns();

	BURN_NS(ns);
	spent[1] += thread_cpu_ns() - t0;
}

static __attribute__((noinline)) void fractions_twenty(int64_t ns)
{
	int64_t t0 = thread_cpu_ns();

	BURN_NS(ns);
	spent[2] += thread_cpu_ns() - t0;
}

int main(int argc, char **argv)
{
	int64_t total = (argc > 1 ? atoll(argv[1]) : 3000) * 1000000;
	int rounds = 100;
	int64_t all;

	for (int i = 0; i < rounds; i++) {
		fractions_fifty(total / rounds * 5 / 10);
		fractions_thirty(total / rounds * 3 / 10);
		fractions_twenty(total / rounds * 2 / 10);
	}
	all = spent[0] + spent[1] + spent[2];
	printf("fraction fractions_fifty %.2f\n", 100.0 * spent[0] / all);
	printf("fraction fractions_thirty %.2f\n", 100.0 * spent[1] / all);
	printf("fraction fractions_twenty %.2f\n", 100.0 * spent[2] / all);
	return 0;
}
