/*
 * libheapearly: a library the test program links (DT_NEEDED), whose constructor runs
 * before libcprof.so's: it allocates 96 blocks in early_ctor_alloc (malloc, calloc,
 * posix_memalign) before the profiler has started, for the program to free and realloc.
 */
#include <stdlib.h>
#include <string.h>

void *early_blocks[96];
size_t early_sizes[96];

__attribute__((noinline, noclone)) void early_ctor_alloc(void)
{
	for (int i = 0; i < 96; i++) {
		if (i < 64) {
			early_sizes[i] = 1000;
			early_blocks[i] = malloc(1000);
		} else if (i < 80) {
			early_sizes[i] = 2000;
			early_blocks[i] = calloc(1, 2000);
		} else {
			early_sizes[i] = 3000;
			if (posix_memalign(&early_blocks[i], 64, 3000) != 0)
				early_blocks[i] = NULL;
		}
		if (early_blocks[i])
			memset(early_blocks[i], 7, early_sizes[i]);
	}
}

__attribute__((constructor)) static void early_init(void)
{
	early_ctor_alloc();
}
