/*
 * threads_main_exit: the main thread calls pthread_exit while a worker runs on; the worker
 * spends 300 ms of CPU in threads_main_exit_work, writes a thread dump through cprof.h to
 * argv[1] and returns, and the process ends with it. /proc/self (the main thread's) has no
 * memory map by then: profiles must still be symbolized.
 */
#include <pthread.h>
#include <stdio.h>

#include "burn.h"
#include "cprof.h"

static const char *dump;

static __attribute__((noinline)) void threads_main_exit_work(void)
{
	BURN_NS(300 * 1000000);
	printf("dump %d\n", cprof_write_profile("goroutine", dump, 2));
	fflush(stdout);
}

static void *worker(void *arg)
{
	threads_main_exit_work();
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t th;

	dump = argc > 1 ? argv[1] : "/dev/null";
	pthread_create(&th, NULL, worker, NULL);
	pthread_exit(NULL);
}
