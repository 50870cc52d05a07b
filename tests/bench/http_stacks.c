/*
 * http_stacks: CPU work spread over 1000 distinct call stacks (three levels of ten
 * functions: a0..a9 call b0..b9 call c0..c9), for measuring the size and time of the
 * /debug/pprof/ answers of a program with that many stacks. Runs until the stop file
 * exists, or for SECONDS.
 * Usage: http_stacks SECONDS [stopfile]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

#define LEAF(n)									\
	static __attribute__((noinline, noclone)) uint64_t c##n(uint64_t x)	\
	{									\
		for (int i = 0; i < 2000; i++)					\
			x = x * 6364136223846793005ull + n;			\
		return x;							\
	}
LEAF(0) LEAF(1) LEAF(2) LEAF(3) LEAF(4) LEAF(5) LEAF(6) LEAF(7) LEAF(8) LEAF(9)
static uint64_t (*const leaves[10])(uint64_t) = { c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 };

#define MID(n)									\
	static __attribute__((noinline, noclone)) uint64_t b##n(uint64_t x, int k)	\
	{									\
		return leaves[k](x) + n;					\
	}
MID(0) MID(1) MID(2) MID(3) MID(4) MID(5) MID(6) MID(7) MID(8) MID(9)
static uint64_t (*const mids[10])(uint64_t, int) = { b0, b1, b2, b3, b4, b5, b6, b7, b8, b9 };

#define TOP(n)									\
	static __attribute__((noinline, noclone)) uint64_t a##n(uint64_t x, int j, int k) \
	{									\
		return mids[j](x, k) + n;					\
	}
TOP(0) TOP(1) TOP(2) TOP(3) TOP(4) TOP(5) TOP(6) TOP(7) TOP(8) TOP(9)
static uint64_t (*const tops[10])(uint64_t, int, int) = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9 };

int main(int argc, char **argv)
{
	time_t end = time(NULL) + (argc > 1 ? atoi(argv[1]) : 30);
	const char *stop = argc > 2 ? argv[2] : NULL;
	uint64_t x = 1;

	for (unsigned long i = 0; time(NULL) < end; i++) {
		x = tops[i % 10](x, (int)(i / 10 % 10), (int)(i / 100 % 10));
		if (stop && i % 4096 == 0 && access(stop, F_OK) == 0)
			break;
	}
	sink = x;
	return 0;
}
