/*
 * heap_entry: calls every entry point of the C allocator a known number of times from a
 * function named after it (entry_malloc, entry_calloc, ...), keeps some of the blocks
 * live until exit and frees the others, and prints one line per function:
 *   expect FUNCTION calls N bytes B live_objects K live_bytes L
 * (bytes as the program asked for them). At -memrate=1 the heap profile must show
 * exactly these numbers. Also checks malloc_usable_size on every live block.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX 4096

static void *live[MAX];
static int n_live;
static int usable_bad;

static void expect(const char *fn, long calls, long size, long keep)
{
	printf("expect %s calls %ld bytes %ld live_objects %ld live_bytes %ld\n", fn, calls,
	       calls * size, keep, keep * size);
}

/* Keeps the first `keep` blocks, frees the rest: the caller's calls are what count. */
static void settle(void **p, long n, long keep, size_t size)
{
	for (long i = 0; i < n; i++) {
		if (i < keep) {
			if (malloc_usable_size(p[i]) < size)
				usable_bad++;
			live[n_live++] = p[i];
		} else {
			free(p[i]);
		}
	}
}

static void *tmp[MAX];

__attribute__((noinline, noclone)) void entry_malloc(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = malloc(100);
	settle(tmp, n, keep, 100);
	expect("entry_malloc", n, 100, keep);
}

__attribute__((noinline, noclone)) void entry_calloc(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = calloc(10, 24);
	settle(tmp, n, keep, 240);
	expect("entry_calloc", n, 240, keep);
}

__attribute__((noinline, noclone)) void entry_realloc(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = realloc(NULL, 300);
	settle(tmp, n, keep, 300);
	expect("entry_realloc", n, 300, keep);
}

__attribute__((noinline, noclone)) void entry_reallocarray(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = reallocarray(NULL, 7, 50);
	settle(tmp, n, keep, 350);
	expect("entry_reallocarray", n, 350, keep);
}

__attribute__((noinline, noclone)) void entry_memalign(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = memalign(64, 200);
	settle(tmp, n, keep, 200);
	expect("entry_memalign", n, 200, keep);
}

__attribute__((noinline, noclone)) void entry_posix_memalign(long n, long keep)
{
	for (long i = 0; i < n; i++)
		if (posix_memalign(&tmp[i], 128, 600) != 0)
			tmp[i] = NULL;
	settle(tmp, n, keep, 600);
	expect("entry_posix_memalign", n, 600, keep);
}

__attribute__((noinline, noclone)) void entry_aligned_alloc(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = aligned_alloc(256, 512);
	settle(tmp, n, keep, 512);
	expect("entry_aligned_alloc", n, 512, keep);
}

__attribute__((noinline, noclone)) void entry_valloc(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = valloc(1000);
	settle(tmp, n, keep, 1000);
	expect("entry_valloc", n, 1000, keep);
}

__attribute__((noinline, noclone)) void entry_pvalloc(long n, long keep)
{
	for (long i = 0; i < n; i++)
		tmp[i] = pvalloc(5000);
	settle(tmp, n, keep, 5000);
	expect("entry_pvalloc", n, 5000, keep);
}

int main(void)
{
	static char out[1 << 16];

	/* stdout's buffer is ours: printf must not allocate in a measured function. */
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	entry_malloc(1000, 300);
	entry_calloc(900, 200);
	entry_realloc(800, 100);
	entry_reallocarray(700, 70);
	entry_memalign(600, 60);
	entry_posix_memalign(500, 50);
	entry_aligned_alloc(400, 40);
	entry_valloc(300, 30);
	entry_pvalloc(200, 20);
	printf("usable_bad %d\n", usable_bad);
	fflush(stdout);
	/* The live blocks stay allocated: the profile at exit shows them in use. */
	return 0;
}
