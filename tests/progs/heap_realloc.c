/*
 * heap_realloc: realloc chains, each call a free of the old block plus an allocation of
 * the new size charged to the caller; prints "expect ..." lines as heap_entry does.
 * realloc_chain grows 10 blocks through 100 reallocs each, past the mmap threshold (the
 * block moves); reallocarray_chain grows 5 blocks from NULL through 50 reallocarrays;
 * realloc_shrink shrinks; realloc_zero frees with realloc(p, 0); realloc_fail asks for an
 * impossible size (realloc fails, the old block stays allocated and sampled), then frees
 * some of those blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not static: the compiler must not see that nobody reads them. */
void *keep[1000];
int n_keep;
void *volatile sink;

static void expect(const char *fn, long calls, long bytes, long live, long live_bytes)
{
	printf("expect %s calls %ld bytes %ld live_objects %ld live_bytes %ld\n", fn, calls,
	       bytes, live, live_bytes);
}

__attribute__((noinline, noclone)) void realloc_chain(void)
{
	long bytes = 0, last = 0;

	for (int c = 0; c < 10; c++) {
		char *p = malloc(16);

		bytes += 16;
		p[0] = 1;
		for (int j = 1; j <= 100; j++) {
			last = 16 + j * 2000;
			p = realloc(p, (size_t)last);
			bytes += last;
			p[last - 1] = 2;
		}
		keep[n_keep++] = p;
	}
	expect("realloc_chain", 10 * 101, bytes, 10, 10 * last);
}

__attribute__((noinline, noclone)) void reallocarray_chain(void)
{
	long bytes = 0;

	for (int c = 0; c < 5; c++) {
		char *p = NULL;

		for (int j = 1; j <= 50; j++) {
			p = reallocarray(p, (size_t)j, 100);
			bytes += j * 100;
			p[0] = 3;
		}
		keep[n_keep++] = p;
	}
	expect("reallocarray_chain", 5 * 50, bytes, 5, 5 * 5000);
}

__attribute__((noinline, noclone)) void realloc_shrink(void)
{
	for (int c = 0; c < 20; c++) {
		char *p = malloc(10000);

		p[0] = 4;
		keep[n_keep++] = realloc(p, 100);
	}
	expect("realloc_shrink", 40, 20 * (10000 + 100), 20, 20 * 100);
}

__attribute__((noinline, noclone)) void realloc_zero(void)
{
	for (int c = 0; c < 30; c++) {
		char *p = malloc(500);

		p[0] = 5;
		sink = realloc(p, 0);
	}
	expect("realloc_zero", 30, 30 * 500, 0, 0);
}

__attribute__((noinline, noclone)) void realloc_fail(void)
{
	void *p[40];
	int failed = 0;

	for (int c = 0; c < 40; c++) {
		p[c] = malloc(1000);
		memset(p[c], 6, 1000);
		if (!realloc(p[c], ~(size_t)0 >> 2))
			failed++;
	}
	for (int c = 0; c < 40; c++)
		if (c < 15)
			keep[n_keep++] = p[c];
		else
			free(p[c]);
	printf("realloc failed %d times\n", failed);
	expect("realloc_fail", 40, 40 * 1000, 15, 15 * 1000);
}

int main(void)
{
	static char out[1 << 16];

	/* stdout's buffer is ours: printf must not allocate in a measured function. */
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	realloc_chain();
	reallocarray_chain();
	realloc_shrink();
	realloc_zero();
	realloc_fail();
	fflush(stdout);
	return 0;
}
