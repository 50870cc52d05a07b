/*
 * libthreadlib: a library that creates threads of its own (the threadcreate profile must
 * count them at their call site in here): threadlib_spawn(n) starts n threads from
 * threadlib_spawn_site and waits for them.
 */
#include <pthread.h>

static void *threadlib_thread(void *arg)
{
	return arg;
}

static __attribute__((noinline)) int threadlib_spawn_site(int n)
{
	pthread_t th[16];
	int made = 0;

	for (int i = 0; i < n && i < 16; i++)
		made += pthread_create(&th[made], NULL, threadlib_thread, NULL) == 0;
	for (int i = 0; i < made; i++)
		pthread_join(th[i], NULL);
	return made;
}

int threadlib_spawn(int n)
{
	return threadlib_spawn_site(n);
}
