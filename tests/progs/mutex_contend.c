/*
 * mutex_contend: THREADS threads take turns on one mutex, ROUNDS times each: in each
 * round all of them meet at a barrier, then lock it in mutex_contend_lock, timing their
 * own waits with clock_gettime, and hold it for HOLD_US microseconds in mutex_contend_hold
 * (sleeping, so that the others get a CPU to queue up on it), which unlocks it; so every
 * round has THREADS-1 contended waits. Afterwards the main thread locks and unlocks a mutex of its
 * own a million times in mutex_uncontended (never contended). Prints
 * "waited_ns N contended M": the waits summed over every thread, and how many waits took
 * longer than 10 us.
 * Usage: mutex_contend [threads] [rounds] [hold_us]  (default 4 100 1000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t barrier;
static _Atomic int64_t waited_ns, contended;
static int rounds;
static int64_t hold_ns;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static __attribute__((noinline, noclone)) void mutex_contend_lock(void)
{
	int64_t t0 = now_ns(), d;

	pthread_mutex_lock(&shared);
	d = now_ns() - t0;
	waited_ns += d;
	if (d > 10000)
		contended++;
}

static __attribute__((noinline, noclone)) void mutex_contend_hold(void)
{
	struct timespec ts = { hold_ns / 1000000000, hold_ns % 1000000000 };

	nanosleep(&ts, NULL);
	pthread_mutex_unlock(&shared);
	__asm__ volatile("" ::: "memory");	/* no tail call: the unlock stays in this frame */
}

static void *worker(void *arg)
{
	for (int i = 0; i < rounds; i++) {
		pthread_barrier_wait(&barrier);
		mutex_contend_lock();
		mutex_contend_hold();
	}
	return NULL;
}

static __attribute__((noinline, noclone)) void mutex_uncontended(void)
{
	static pthread_mutex_t mine = PTHREAD_MUTEX_INITIALIZER;

	for (int i = 0; i < 1000000; i++) {
		pthread_mutex_lock(&mine);
		pthread_mutex_unlock(&mine);
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t th[64];

	rounds = argc > 2 ? atoi(argv[2]) : 100;
	hold_ns = (argc > 3 ? atoll(argv[3]) : 1000) * 1000;
	if (n < 1 || n > 64)
		return 2;
	pthread_barrier_init(&barrier, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	mutex_uncontended();
	printf("waited_ns %lld contended %lld\n", (long long)waited_ns, (long long)contended);
	return 0;
}
