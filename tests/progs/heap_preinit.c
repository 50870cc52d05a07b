/*
 * heap_preinit: frees and reallocs blocks that libheapearly's constructor allocated before
 * the profiler started (they were never sampled): preinit_free frees half of them,
 * preinit_realloc reallocs the other half to 3000 bytes (new allocations, charged to it);
 * prints an "expect" line for it (see heap_entry.c) and "usable_bad N" (blocks whose
 * malloc_usable_size is too small). With libdlsymalloc preloaded, also inspects the block
 * that libcprof.so served from its arena while dlsym allocated: prints
 * "arena text=T lib=L usable=U realloc=R".
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *early_blocks[96];
extern size_t early_sizes[96];

__attribute__((noinline, noclone)) int preinit_free(void)
{
	int bad = 0;

	for (int i = 0; i < 96; i += 2) {
		if (!early_blocks[i] || malloc_usable_size(early_blocks[i]) < early_sizes[i])
			bad++;
		free(early_blocks[i]);
		early_blocks[i] = NULL;
	}
	return bad;
}

__attribute__((noinline, noclone)) int preinit_realloc(void)
{
	int bad = 0;

	for (int i = 1; i < 96; i += 2) {
		unsigned char *p = realloc(early_blocks[i], 3000);

		if (!p || p[0] != 7 || p[early_sizes[i] - 1] != 7)
			bad++;
		early_blocks[i] = p;
	}
	printf("expect preinit_realloc calls 48 bytes %d live_objects 48 live_bytes %d\n",
	       48 * 3000, 48 * 3000);
	return bad;
}

static void inspect_arena(void)
{
	char **kept = dlsym(RTLD_DEFAULT, "dlsymalloc_kept");
	Dl_info info;
	char *p, *q;

	if (!kept || !*kept)
		return;
	p = *kept;
	if (!dladdr(p, &info) || !info.dli_fname)
		info.dli_fname = "?";
	printf("arena text=%s lib=%s usable=%zu", p, strrchr(info.dli_fname, '/') ?
	       strrchr(info.dli_fname, '/') + 1 : info.dli_fname, malloc_usable_size(p));
	q = realloc(p, 4096);
	printf(" realloc=%s\n", q && strcmp(q, "arena") == 0 ? "kept" : "lost");
	free(q);
}

int main(void)
{
	static char out[1 << 16];
	int bad;

	/* stdout's buffer is ours: printf must not allocate in a measured function. */
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	bad = preinit_free() + preinit_realloc();

	printf("usable_bad %d\n", bad);
	inspect_arena();
	fflush(stdout);
	return 0;
}
