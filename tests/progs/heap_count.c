/*
 * heap_count: with libheapcount.so preloaded after libcprof.so, makes a known number of
 * allocator calls of every kind in count_calls and prints "calls GOT want WANT": how many
 * reached the C library through cprof's wrappers, and how many the program made.
 */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

/* Every block is stored here, so the compiler cannot drop an allocation and its free. */
void *volatile sink;

__attribute__((noinline, noclone)) long count_calls(int rounds)
{
	long want = 0;

	for (int i = 0; i < rounds; i++) {
		void *p = malloc(100), *q, *r;

		sink = p;
		q = calloc(3, 40);
		sink = q;
		p = realloc(p, 5000);
		sink = p;
		r = reallocarray(NULL, 10, 30);
		sink = r;
		free(p);
		free(q);
		free(r);
		p = memalign(64, 300);
		sink = p;
		free(p);
		p = aligned_alloc(128, 256);
		sink = p;
		free(p);
		if (posix_memalign(&p, 256, 700) == 0) {
			sink = p;
			free(p);
		}
		p = valloc(100);
		sink = p;
		free(p);
		p = pvalloc(100);
		sink = p;
		free(p);
		want += 17;
	}
	return want;
}

int main(void)
{
	static char out[1 << 12];
	void (*begin)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "heapcount_begin");
	long (*end)(void) = (long (*)(void))dlsym(RTLD_DEFAULT, "heapcount_end");
	long want, got;

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	if (!begin || !end) {
		printf("libheapcount.so is not preloaded\n");
		return 2;
	}
	begin();
	want = count_calls(20000);
	got = end();
	printf("calls %ld want %ld\n", got, want);
	return 0;
}
