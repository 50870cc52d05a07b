/*
 * heap_many_stacks: allocates 16 bytes from 2^LEVELS distinct stacks (default 18: more
 * than cprof's stack table holds), one allocation per stack: each level calls the next
 * through one of two call sites, chosen by one bit of the path number. The blocks are
 * freed at the end. Prints "allocations N".
 * Usage: heap_many_stacks [LEVELS]
 */
#include <stdio.h>
#include <stdlib.h>

static void *volatile last;

static __attribute__((noipa)) void many_level(int level, unsigned path, void **out);

static __attribute__((noipa)) void many_left(int level, unsigned path, void **out)
{
	many_level(level, path, out);
	__asm__ volatile("" ::: "memory");	/* a frame of its own: no tail call */
}

static __attribute__((noipa)) void many_right(int level, unsigned path, void **out)
{
	many_level(level, path, out);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noipa)) void many_level(int level, unsigned path, void **out)
{
	if (level == 0) {
		*out = malloc(16);
		last = *out;
		return;
	}
	if (path & 1)
		many_right(level - 1, path >> 1, out);
	else
		many_left(level - 1, path >> 1, out);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	int levels = argc > 1 ? atoi(argv[1]) : 18;
	unsigned n = 1u << levels;
	void **blocks = calloc(n, sizeof(*blocks));

	if (!blocks || levels < 1 || levels > 24)
		return 2;
	for (unsigned i = 0; i < n; i++)
		many_level(levels, i, &blocks[i]);
	for (unsigned i = 0; i < n; i++)
		free(blocks[i]);
	free(blocks);
	printf("allocations %u\n", n);
	return 0;
}
