/*
 * exit_status: ends in the way it is told, after burning some CPU in exiting_work.
 *   exit_status N            return N from main
 *   exit_status exit N       exit(N) from a second thread while main waits
 *   exit_status _exit N      _exit(N)
 *   exit_status signal S     kill itself with signal S
 *   exit_status sleep MS     sleep (for signal forwarding tests), then return 0
 *   exit_status ticking N    _exit(N) with a 10 kHz SIGALRM interval timer still running
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "burn.h"

static int code;
static volatile sig_atomic_t ticks;

static void on_alarm(int sig)
{
	ticks++;
}

static __attribute__((noinline)) void exiting_work(void)
{
	BURN_NS(200 * 1000000);
}

static void *exit_thread(void *arg)
{
	exiting_work();
	exit(code);
}

int main(int argc, char **argv)
{
	pthread_t th;

	if (argc == 2) {
		exiting_work();
		return atoi(argv[1]);
	}
	if (argc != 3)
		return 100;
	code = atoi(argv[2]);
	if (!strcmp(argv[1], "exit")) {
		pthread_create(&th, NULL, exit_thread, NULL);
		pthread_join(th, NULL);
		return 101;
	}
	if (!strcmp(argv[1], "ticking")) {
		struct itimerval often = { { 0, 100 }, { 0, 100 } };
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &often, NULL);
		exiting_work();
		_exit(code);
	}
	exiting_work();
	if (!strcmp(argv[1], "_exit"))
		_exit(code);
	if (!strcmp(argv[1], "signal")) {
		signal(code, SIG_DFL);
		kill(getpid(), code);
		return 102;
	}
	if (!strcmp(argv[1], "sleep")) {
		usleep(code * 1000);
		return 0;
	}
	return 103;
}
