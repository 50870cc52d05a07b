/*
 * fork_loop: forks N children that exit at once, waiting for each: the cost a profiler's
 * fork handlers add to fork-heavy programs (shells, servers forking per connection).
 * Usage: fork_loop N
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;

	for (int i = 0; i < n; i++) {
		pid_t c = fork();

		if (c == 0)
			_exit(0);
		if (c < 0 || waitpid(c, NULL, 0) < 0)
			return 1;
	}
	return 0;
}
