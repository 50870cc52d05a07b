/*
 * fork_child: burns CPU in parent_work, forks a child (while a second parent thread is
 * busy) that burns CPU in child_work and leaves with exit(0), waits for it, burns some
 * more, and prints "child PID".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burn.h"

static __attribute__((noinline)) void parent_work(void)
{
	BURN_NS(300 * 1000000);
}

static __attribute__((noinline)) void child_work(void)
{
	BURN_NS(300 * 1000000);
	burn_sink ^= 0xc41d;	/* keeps the two bodies different: no identical-code folding */
}

static void *busy(void *arg)
{
	parent_work();
	return NULL;
}

int main(void)
{
	pthread_t th;
	pid_t pid;

	parent_work();
	pthread_create(&th, NULL, busy, NULL);
	pid = fork();
	if (pid == 0) {
		child_work();
		exit(0);
	}
	waitpid(pid, NULL, 0);
	pthread_join(th, NULL);
	parent_work();
	printf("child %d\n", (int)pid);
	return 0;
}
