/*
 * close_stderr: closes stderr, opens a data file that takes fd 2, burns CPU in
 * closing_work, writes "data\n" to the file and leaves with _exit(3): the profile must
 * still be written, and nothing of cprof's may end up in the data file.
 * Usage: close_stderr DATAFILE [ms]  (default 500)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "burn.h"

static __attribute__((noinline)) void closing_work(int64_t ns)
{
	BURN_NS(ns);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return 2;
	close(2);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd != 2)
		return 4;
	closing_work((argc > 2 ? atoll(argv[2]) : 500) * 1000000);
	write(2, "data\n", 5);
	_exit(3);
}
