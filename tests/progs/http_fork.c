/*
 * http_fork: a served program that forks. It burns CPU in main until the file named by
 * its argument exists, then forks a child that burns 1 s of CPU in http_fork_child_work
 * and says "child exiting" on stderr before it exits, while the parent prints "child PID"
 * and returns at once: the child outlives the parent.
 * Usage: http_fork TRIGGERFILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "burn.h"

static __attribute__((noinline, noclone)) void http_fork_child_work(void)
{
	BURN_NS(1000 * 1000000);
}

int main(int argc, char **argv)
{
	pid_t pid;

	while (argc > 1 && access(argv[1], F_OK) != 0)
		BURN_NS(1000000);
	pid = fork();
	if (pid == 0) {
		http_fork_child_work();
		fprintf(stderr, "child exiting\n");
		exit(0);
	}
	printf("child %d\n", (int)pid);
	return 0;
}
