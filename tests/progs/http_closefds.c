/*
 * http_closefds: a program that closes every descriptor above stderr once it has started
 * (as some daemons and shells do), then opens files of its own, which take the lowest
 * numbers (those the profiler's server had), writes to one, sleeps, and checks that
 * nothing but its own writes reached it. Prints "own file intact" or "own file changed",
 * then its CPU time in milliseconds ("cpu_ms N"): a server spinning on closed
 * descriptors would show there.
 * Usage: http_closefds FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[64] = "";
	struct rusage ru;
	int fds[8], fd;
	ssize_t n;

	sleep(1);
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	for (int i = 0; i < 8; i++)
		fds[i] = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (write(fds[0], "mine\n", 5) != 5)
		return 1;
	sleep(3);
	n = pread(fds[0], buf, sizeof(buf) - 1, 0);
	printf("own file %s\n", n == 5 && !strcmp(buf, "mine\n") ? "intact" : "changed");
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_ms %ld\n", ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
	       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000);
	return 0;
}
