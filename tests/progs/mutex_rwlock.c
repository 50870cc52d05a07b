/*
 * mutex_rwlock: readers and writers on one rwlock, each side waiting for the other. First
 * two readers hold read locks for MS milliseconds in rwlock_read_hold while a writer waits
 * in rwlock_write_wait; then a writer holds the write lock for MS in rwlock_write_hold
 * while two readers wait in rwlock_read_wait. Waits are measured with clock_gettime.
 * Prints "write_wait_ns A read_wait_ns B" (B: both readers' waits).
 * Usage: mutex_rwlock [ms]  (default 300)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static sem_t held;
static long ms;
static _Atomic int64_t write_wait_ns, read_wait_ns;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void hold(void)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	sem_post(&held);
	nanosleep(&ts, NULL);
}

static __attribute__((noinline, noclone)) void rwlock_read_hold(void)
{
	pthread_rwlock_rdlock(&rw);
	hold();
	pthread_rwlock_unlock(&rw);
	__asm__ volatile("" ::: "memory");	/* no tail call: the unlock stays in this frame */
}

static __attribute__((noinline, noclone)) void rwlock_write_hold(void)
{
	pthread_rwlock_wrlock(&rw);
	hold();
	pthread_rwlock_unlock(&rw);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline, noclone)) void rwlock_write_wait(void)
{
	int64_t t0 = now_ns();

	pthread_rwlock_wrlock(&rw);
	write_wait_ns += now_ns() - t0;
	pthread_rwlock_unlock(&rw);
}

static __attribute__((noinline, noclone)) void rwlock_read_wait(void)
{
	int64_t t0 = now_ns();

	pthread_rwlock_rdlock(&rw);
	read_wait_ns += now_ns() - t0;
	pthread_rwlock_unlock(&rw);
}

static void *run(void *arg)
{
	((void (*)(void))arg)();
	return NULL;
}

static void waited(int n)
{
	for (int i = 0; i < n; i++)
		while (sem_wait(&held) < 0)
			;
}

int main(int argc, char **argv)
{
	pthread_t th[3];

	ms = argc > 1 ? atol(argv[1]) : 300;
	sem_init(&held, 0, 0);
	pthread_create(&th[0], NULL, run, rwlock_read_hold);
	pthread_create(&th[1], NULL, run, rwlock_read_hold);
	waited(2);
	pthread_create(&th[2], NULL, run, rwlock_write_wait);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);

	pthread_create(&th[0], NULL, run, rwlock_write_hold);
	waited(1);
	pthread_create(&th[1], NULL, run, rwlock_read_wait);
	pthread_create(&th[2], NULL, run, rwlock_read_wait);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	printf("write_wait_ns %lld read_wait_ns %lld\n", (long long)write_wait_ns,
	       (long long)read_wait_ns);
	return 0;
}
