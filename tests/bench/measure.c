/*
 * measure: runs a command and writes "wall_ns maxrss_kb status cpu_ns" to OUTFILE (cpu:
 * user plus system time of the command and the children it waited for), the command's
 * own output going where it goes. For tests/bench/run-*.
 * Usage: measure OUTFILE command [args...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *out;

	if (argc < 3)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &b);
	out = fopen(argv[1], "w");
	if (!out)
		return 2;
	fprintf(out, "%lld %ld %d %lld\n",
		(long long)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec),
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
		(long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
		(long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000);
	fclose(out);
	return 0;
}
