/*
 * heap_keydtor: 10 threads, each allocating 777 bytes in late_alloc from a thread-specific
 * data destructor, which runs while the thread exits, after cprof has let go of the
 * thread's slot. Prints "expect late_alloc ..." (see heap_entry.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t key;
void *kept[10];
static int n;

__attribute__((noinline, noclone)) void late_alloc(void)
{
	char *p = malloc(777);

	memset(p, 1, 777);
	kept[n++] = p;
}

static void destructor(void *v)
{
	late_alloc();
	__asm__ volatile("" ::: "memory");
}

static void *worker(void *arg)
{
	pthread_setspecific(key, arg);
	return NULL;
}

int main(void)
{
	static char out[1 << 12];

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	pthread_key_create(&key, destructor);
	for (long i = 0; i < 10; i++) {
		pthread_t th;

		pthread_create(&th, NULL, worker, (void *)(i + 1));
		pthread_join(th, NULL);
	}
	printf("expect late_alloc calls %d bytes %d live_objects %d live_bytes %d\n", n, 777 * n,
	       n, 777 * n);
	return 0;
}
