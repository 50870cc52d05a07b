/*
 * heap_grow: grows its live set in two steps that a test separates with dump signals.
 * grow_first keeps 1000 blocks of 1000 bytes, then the program creates DIR/ready1 and
 * waits for DIR/go1; grow_second keeps 500 blocks of 2000 bytes more, creates DIR/ready2
 * and waits for DIR/go2; then it frees everything and exits. Between the steps it
 * allocates nothing (files are made with open and polled with access).
 * Usage: heap_grow DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *first[1000], *second[500];
static char path[4096];

static void touch(const char *dir, const char *name)
{
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

static void wait_for(const char *dir, const char *name)
{
	struct timespec ts = { 0, 10 * 1000000 };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		nanosleep(&ts, NULL);
}

__attribute__((noinline, noclone)) void grow_first(void)
{
	for (int i = 0; i < 1000; i++) {
		first[i] = malloc(1000);
		memset(first[i], 1, 1000);
	}
}

__attribute__((noinline, noclone)) void grow_second(void)
{
	for (int i = 0; i < 500; i++) {
		second[i] = malloc(2000);
		memset(second[i], 2, 2000);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	grow_first();
	touch(argv[1], "ready1");
	wait_for(argv[1], "go1");
	grow_second();
	touch(argv[1], "ready2");
	wait_for(argv[1], "go2");
	for (int i = 0; i < 1000; i++)
		free(first[i]);
	for (int i = 0; i < 500; i++)
		free(second[i]);
	return 0;
}
