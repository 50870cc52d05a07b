/*
 * own_sigprof: a program with its own SIGPROF profiler (setitimer(ITIMER_PROF) and a
 * handler), as programs built with -pg or embedding another profiler have. Its handler
 * must keep receiving its signals under cprof. Prints "own_signals N".
 * Usage: own_sigprof [ms]  (default 1000)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "burn.h"

static volatile sig_atomic_t own_signals;

static void on_prof(int sig)
{
	own_signals++;
}

static __attribute__((noinline)) void own_sigprof_work(int64_t ns)
{
	BURN_NS(ns);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prof;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	setitimer(ITIMER_PROF, &it, NULL);
	own_sigprof_work((argc > 1 ? atoll(argv[1]) : 1000) * 1000000);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_PROF, &it, NULL);
	printf("own_signals %d\n", (int)own_signals);
	return 0;
}
