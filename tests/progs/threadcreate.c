/*
 * threadcreate: creates threads from known call sites: 5 from threadcreate_site_a, 3
 * from threadcreate_site_b, 2 inside libthreadlib.so, and tries once from
 * threadcreate_fail with a stack too large to map (pthread_create fails). Threads
 * are joined as they go. Prints "created A B LIB failed RC".
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

int threadlib_spawn(int n);

static void *noop(void *arg)
{
	return arg;
}

static __attribute__((noinline)) int threadcreate_site_a(void)
{
	int made = 0;

	for (int i = 0; i < 5; i++) {
		pthread_t th;

		if (pthread_create(&th, NULL, noop, NULL) == 0) {
			pthread_join(th, NULL);
			made++;
		}
	}
	return made;
}

static __attribute__((noinline)) int threadcreate_site_b(void)
{
	pthread_t th[3];
	int made = 0;

	for (int i = 0; i < 3; i++)
		made += pthread_create(&th[made], NULL, noop, NULL) == 0;
	for (int i = 0; i < made; i++)
		pthread_join(th[i], NULL);
	return made;
}

static __attribute__((noinline)) int threadcreate_fail(void)
{
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)1 << 46);
	rc = pthread_create(&th, &attr, noop, NULL);
	if (rc == 0)
		pthread_join(th, NULL);
	pthread_attr_destroy(&attr);
	return rc;
}

int main(void)
{
	int a = threadcreate_site_a(), b = threadcreate_site_b(), lib = threadlib_spawn(2);
	int rc = threadcreate_fail();

	printf("created %d %d %d failed %s\n", a, b, lib, rc ? strerror(rc) : "no");
	return 0;
}
