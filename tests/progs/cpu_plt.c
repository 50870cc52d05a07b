/*
 * cpu_plt: calls abs, libc's cheapest function (built with -fno-builtin, so that the
 * call is a real one), through the PLT in a loop for MS milliseconds of CPU, so that a
 * good share of the samples land in the stub (abs@plt) rather than in a function of the
 * program or of libc.
 * Usage: cpu_plt MS
 */
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

static volatile unsigned sink;

static __attribute__((noipa)) void plt_loop(int64_t ns)
{
	int64_t end = thread_cpu_ns() + ns;
	while (thread_cpu_ns() < end)
		for (int i = 0; i < 100000; i++)
			sink += (unsigned)abs(i - 50000);
}

int main(int argc, char **argv)
{
	plt_loop((argc > 1 ? atoll(argv[1]) : 1000) * 1000000);
	printf("done\n");
	return 0;
}
