/*
 * libearly: a library whose constructor starts a thread before libcprof.so has started
 * (its constructor runs first), so the profiler must find that thread in /proc/self/task.
 * The thread spends 600 ms of CPU in early_thread_work; early_join() waits for it.
 */
#include <pthread.h>

#include "burn.h"

static pthread_t early;

static __attribute__((noinline)) void early_thread_work(void)
{
	BURN_NS(600 * 1000000);
}

static void *early_main(void *arg)
{
	pthread_setname_np(pthread_self(), "early");
	early_thread_work();
	return NULL;
}

__attribute__((constructor)) static void start_early(void)
{
	pthread_create(&early, NULL, early_main, NULL);
}

void early_join(void)
{
	pthread_join(early, NULL);
}
