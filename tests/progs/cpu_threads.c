/*
 * cpu_threads: four named threads ("worker-0".."worker-3") that each spend the same CPU
 * time in threads_worker, created with pthread_create, plus the main thread waiting.
 * Prints "cpu_ns TOTAL": the process's CPU time at the end, user plus system, from
 * getrusage(RUSAGE_SELF).
 * Usage: cpu_threads [ms_per_thread]  (default 1000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "burn.h"

static int64_t per_thread_ns;

static __attribute__((noinline)) void threads_worker(void)
{
	BURN_NS(per_thread_ns);
}

static void *start(void *arg)
{
	char name[16];

	snprintf(name, sizeof(name), "worker-%d", (int)(intptr_t)arg);
	pthread_setname_np(pthread_self(), name);
	threads_worker();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[4];
	struct rusage ru;

	per_thread_ns = (argc > 1 ? atoll(argv[1]) : 1000) * 1000000;
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, start, (void *)(intptr_t)i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_ns %lld\n", (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000);
	return 0;
}
