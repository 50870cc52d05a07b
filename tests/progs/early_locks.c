/*
 * early_locks: links libearlylocks.so, whose constructor calls mutex, condition variable,
 * pipe, poll and sleep functions before libcprof.so has started; then 8 threads each
 * create and join 100 short threads at once, which keeps cprof's own thread registry lock
 * busy (its pthread_create wrapper and thread-exit hook take it), with no lock of the
 * program's own. Prints "early ok" and "threads 800".
 */
#include <pthread.h>
#include <stdio.h>

const char *early_locks_result(void);

static _Atomic int n_threads;

static void *leaf(void *arg)
{
	n_threads++;
	return NULL;
}

static void *spawner(void *arg)
{
	for (int i = 0; i < 100; i++) {
		pthread_t th;

		if (pthread_create(&th, NULL, leaf, NULL) == 0)
			pthread_join(th, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[8];

	printf("early %s\n", early_locks_result());
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, spawner, NULL);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	printf("threads %d\n", n_threads);
	return 0;
}
