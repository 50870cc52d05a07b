/*
 * http_busy: a program to serve /debug/pprof/ from. Burns CPU in http_busy_work (and, on
 * a second thread named "helper", in http_busy_helper) for the given time, prints a
 * checksum of its work and "done", and exits with the given status, so a test can check
 * that the server changed neither its output nor its status.
 * Usage: http_busy [ms] [status]   (default 3000 ms, status 0)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "burn.h"

static int64_t run_ns;
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
	BURN_NS(run_ns / 2);
}

static void *helper(void *arg)
{
	pthread_setname_np(pthread_self(), "helper");
	http_busy_helper();
	return NULL;
}

int main(int argc, char **argv)
{
	int64_t end;
	uint64_t x = 1;
	long calls = 0;
	pthread_t th;

	run_ns = (argc > 1 ? atoll(argv[1]) : 3000) * 1000000;
	pthread_create(&th, NULL, helper, NULL);
	end = mono_ns() + run_ns;
	while (mono_ns() < end) {
		x = http_busy_work(x);
		calls++;
	}
	sink = x;
	pthread_join(th, NULL);
	/* The checksum of a fixed number of calls: the same in every run. */
	x = 1;
	for (int i = 0; i < 10; i++)
		x = http_busy_work(x);
	printf("checksum %llx\ndone\n", (unsigned long long)x);
	fprintf(stderr, "http_busy: %s\n", calls > 0 ? "worked" : "idle");
	return argc > 2 ? atoi(argv[2]) : 0;
}
