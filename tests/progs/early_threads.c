/*
 * early_threads: links libearly.so, whose constructor starts a thread before libcprof.so
 * starts; then starts a thread with raw clone() (no pthread_create, its creator's TLS,
 * its own stack) that computes for about 1.5 s in clone_thread_work; waits for both.
 * Prints "clone tid N".
 */
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void early_join(void);

static volatile uint64_t sink;
static volatile pid_t clone_tid = 1;

static __attribute__((noinline)) void clone_thread_work(void)
{
	uint64_t h = 1469598103934665603ull;

	for (long i = 0; i < 1500000000L; i++)
		h = (h ^ (uint64_t)i) * 1099511628211ull;
	sink = h;
}

static int clone_main(void *arg)
{
	clone_thread_work();
	syscall(SYS_exit, 0);	/* only this thread: exit() would run atexit handlers */
	return 0;
}

int main(void)
{
	size_t size = 1 << 20;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	pid_t tid;

	if (stack == MAP_FAILED)
		return 3;
	tid = clone(clone_main, stack + size, flags, NULL, &clone_tid, NULL, &clone_tid);
	if (tid < 0)
		return 4;
	printf("clone tid %d\n", (int)tid);
	fflush(stdout);
	/* CLONE_CHILD_CLEARTID: the kernel zeroes clone_tid and wakes us when it exits. */
	while (clone_tid)
		syscall(SYS_futex, &clone_tid, FUTEX_WAIT, clone_tid, NULL, NULL, 0);
	early_join();
	return 0;
}
