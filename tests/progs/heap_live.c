/*
 * heap_live: keeps a live set of 16384 blocks of 4 KiB (64 MiB) allocated in live_set,
 * and allocates and frees 256 MiB more in blocks of 16 B to 64 KiB in churn; everything
 * live_set allocated is still allocated at exit, nothing of churn's is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N_LIVE 16384

/* Not static: the compiler must not drop the stores (and the mallocs with them). */
void *live[N_LIVE];
static void *volatile sink;

__attribute__((noinline, noclone)) void live_set(void)
{
	for (int i = 0; i < N_LIVE; i++) {
		live[i] = malloc(4096);
		*(char *)live[i] = 1;
	}
}

__attribute__((noinline, noclone)) void churn(void)
{
	void *keep[64] = { 0 };
	unsigned x = 2463534242u;
	uint64_t total = 0;

	while (total < (256u << 20)) {
		size_t n;
		int slot;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		slot = x % 64;
		n = (size_t)16 << (x % 13);
		free(keep[slot]);
		keep[slot] = malloc(n);
		sink = keep[slot];
		total += n;
	}
	for (int i = 0; i < 64; i++)
		free(keep[i]);
}

int main(void)
{
	churn();
	live_set();
	churn();
	printf("live %d bytes\n", N_LIVE * 4096);
	return 0;
}
