/*
 * cpu_coroutine: CPU time spent on coroutine stacks (makecontext/swapcontext, as a
 * green-thread runtime does). The main thread and a coroutine take turns, each burning
 * 1 ms per turn in main_burn and co_burn; every second the coroutine gets a fresh stack,
 * mmap'd then (the old one unmapped), as a runtime that makes one per task does.
 * Usage: cpu_coroutine SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "burn.h"

#define CO_STACK (256 * 1024)

static ucontext_t main_ctx, co_ctx;

static __attribute__((noipa)) void co_burn(void)
{
	BURN_NS(1000000);
}

static __attribute__((noipa)) void co_body(void)
{
	for (;;) {
		co_burn();
		swapcontext(&co_ctx, &main_ctx);
	}
}

static __attribute__((noipa)) void main_burn(void)
{
	BURN_NS(1000000);
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 3;

	for (int gen = 0; gen < seconds; gen++) {
		void *stack = mmap(NULL, CO_STACK, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (stack == MAP_FAILED)
			return 2;
		getcontext(&co_ctx);
		co_ctx.uc_stack.ss_sp = stack;
		co_ctx.uc_stack.ss_size = CO_STACK;
		co_ctx.uc_link = NULL;
		makecontext(&co_ctx, co_body, 0);
		for (int turn = 0; turn < 500; turn++) {
			main_burn();
			swapcontext(&main_ctx, &co_ctx);
		}
		munmap(stack, CO_STACK);
	}
	printf("done\n");
	return 0;
}
