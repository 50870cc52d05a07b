/*
 * threads_sigrtmax: a program that uses SIGRTMAX itself (the signal the threads snapshot
 * sends to running threads): it installs a handler, sends itself 200 SIGRTMAX with
 * sigqueue and 200 with raise while a spinning thread keeps the snapshot signalling, and
 * takes 10 snapshots through cprof.h meanwhile. Prints "handled H of S" (the program's
 * handler must see every one of its own signals, and none of the snapshot's).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

static _Atomic long handled, foreign;
static volatile unsigned long sink;

static void on_rtmax(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code == SI_QUEUE && si->si_value.sival_int != 42)
		foreign++;
	handled++;
}

static __attribute__((noinline)) void *threads_sigrtmax_spin(void *arg)
{
	for (;;)
		sink++;
	return arg;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec ms = { 0, 1000000 };
	union sigval v = { .sival_int = 42 };
	char path[4096];
	pthread_t th;
	long sent = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_rtmax;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGRTMAX, &sa, NULL);
	pthread_create(&th, NULL, threads_sigrtmax_spin, NULL);
	for (int i = 0; i < 200; i++) {
		if (sigqueue(getpid(), SIGRTMAX, v) == 0)
			sent++;
		if (raise(SIGRTMAX) == 0)
			sent++;
		if (i % 20 == 0 && argc > 1) {
			snprintf(path, sizeof(path), "%s/snap.%d", argv[1], i / 20);
			cprof_write_profile("goroutine", path, 0);
		}
		nanosleep(&ms, NULL);
	}
	/* Queued real-time signals are all delivered; give the last ones a moment. */
	for (int i = 0; i < 100 && handled < sent; i++)
		nanosleep(&ms, NULL);
	printf("handled %ld of %ld, foreign %ld\n", (long)handled, sent, (long)foreign);
	return 0;
}
