/*
 * cpu_deep: burns CPU at the bottom of a 600-deep recursion (deeper than gperftools'
 * 253-frame cap), so every sample's stack must reach main through deep_recurse.
 * Usage: cpu_deep [depth] [ms]  (defaults 600, 1000)
 */
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

static int64_t budget_ns;

static __attribute__((noinline)) void deep_leaf(void)
{
	BURN_NS(budget_ns);
}

static __attribute__((noinline, noclone)) int deep_recurse(int n)
{
	volatile int keep = n;

	if (n == 0)
		deep_leaf();
	else
		deep_recurse(n - 1);
	return keep;	/* not a tail call */
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 600;

	budget_ns = (argc > 2 ? atoll(argv[2]) : 1000) * 1000000;
	deep_recurse(depth);
	return 0;
}
