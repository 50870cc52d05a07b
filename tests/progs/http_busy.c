/*
 * http_busy: a program to serve /debug/pprof/ from. Its main thread calls http_busy_work
 * and a second thread, named "helper", burns CPU in http_busy_helper, until ms have
 * passed or the stop file exists; then it prints a checksum of a fixed amount of work and
 * "done" and exits with the given status, so a test can check that the server changed
 * neither its output nor its status.
 * Usage: http_busy [ms] [status] [stopfile]   (default 3000 ms, status 0, no stop file)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static atomic_bool stop;
static volatile uint64_t sink;	/* keeps the work from being optimised away */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A fixed amount of work per call, so the checksum depends only on the call count. */
static __attribute__((noinline, noclone)) uint64_t http_busy_work(uint64_t x)
{
	for (int i = 0; i < 100000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

static __attribute__((noinline, noclone)) void http_busy_helper(void)
{
	while (!atomic_load(&stop))
		BURN_NS(10000000);
}

static void *helper(void *arg)
{
	pthread_setname_np(pthread_self(), "helper");
	http_busy_helper();
	return NULL;
}

int main(int argc, char **argv)
{
	int64_t end = mono_ns() + (argc > 1 ? atoll(argv[1]) : 3000) * 1000000;
	const char *stop_file = argc > 3 ? argv[3] : NULL;
	uint64_t x = 1;
	long calls = 0;
	pthread_t th;

	pthread_create(&th, NULL, helper, NULL);
	while (mono_ns() < end && !(stop_file && calls % 64 == 0 && access(stop_file, F_OK) == 0)) {
		x = http_busy_work(x);
		calls++;
	}
	sink = x;
	atomic_store(&stop, true);
	pthread_join(th, NULL);
	/* The checksum of a fixed number of calls: the same in every run. */
	x = 1;
	for (int i = 0; i < 10; i++)
		x = http_busy_work(x);
	printf("checksum %llx\ndone\n", (unsigned long long)x);
	fprintf(stderr, "http_busy: %s\n", calls > 0 ? "worked" : "idle");
	return argc > 2 ? atoi(argv[2]) : 0;
}
