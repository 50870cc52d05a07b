/*
 * block_rate: sleeps of known lengths for the block profile's sampling: first one sleep of
 * WARMUP ms in block_rate_warmup (long enough for cprof to switch to the TSC), then N
 * short sleeps (nanosleep of 20 us) in block_rate_short, then 20 sleeps of 5 ms in
 * block_rate_long, each measured with clock_gettime. Prints "short_ns A short_n N
 * long_ns B long_n 20".
 * Usage: block_rate [n] [warmup_ms]  (default 3000 1200)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };
	int64_t t0 = now_ns();

	nanosleep(&ts, NULL);
	return now_ns() - t0;
}

static __attribute__((noinline, noclone)) void block_rate_warmup(long ms)
{
	sleep_ns(ms * 1000000);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline, noclone)) int64_t block_rate_short(long n)
{
	int64_t total = 0;

	for (long i = 0; i < n; i++)
		total += sleep_ns(20000);
	return total;
}

static __attribute__((noinline, noclone)) int64_t block_rate_long(void)
{
	int64_t total = 0;

	for (int i = 0; i < 20; i++)
		total += sleep_ns(5000000);
	return total;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 3000;
	int64_t s, l;

	block_rate_warmup(argc > 2 ? atol(argv[2]) : 1200);
	s = block_rate_short(n);
	l = block_rate_long();
	printf("short_ns %lld short_n %ld long_ns %lld long_n 20\n", (long long)s, n, (long long)l);
	return 0;
}
