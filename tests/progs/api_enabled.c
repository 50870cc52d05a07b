/*
 * api_enabled: includes cprof.h without linking anything of cprof's and prints what
 * cprof_enabled() says in three processes: itself ("enabled N"), a child it forks and
 * execs ("child enabled N"), and its own new image after exec without fork, which is
 * still the same process ("exec enabled N").
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cprof.h"

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc > 1) {
		printf("%s enabled %d\n", argv[1], cprof_enabled());
		return 0;
	}
	printf("enabled %d\n", cprof_enabled());
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(1);
	}
	waitpid(pid, NULL, 0);
	execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
	return 1;
}
