/*
 * heap_ownsig: a program with its own idea of SIGUSR2. MODE "handler" installs a handler
 * (with signal()) that counts and creates DIR/usr2-N for the Nth signal; "ign" ignores
 * SIGUSR2; "dfl" leaves it alone (the default action terminates). Then it creates
 * DIR/ready and sleeps until DIR/stop exists, and prints "usr2 N".
 * Usage: heap_ownsig MODE DIR
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t count;
static char dir[3000];

static void on_usr2(int sig)
{
	char path[3100];
	size_t n = strlen(dir);
	int fd;

	count++;
	memcpy(path, dir, n);
	memcpy(path + n, "/usr2-", 6);
	path[n + 6] = (char)('0' + count % 10);
	path[n + 7] = 0;
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 10 * 1000000 };
	char path[3100];
	int fd;

	if (argc < 3 || strlen(argv[2]) >= sizeof(dir))
		return 2;
	strcpy(dir, argv[2]);
	if (!strcmp(argv[1], "handler"))
		signal(SIGUSR2, on_usr2);
	else if (!strcmp(argv[1], "ign"))
		signal(SIGUSR2, SIG_IGN);
	snprintf(path, sizeof(path), "%s/ready", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/stop", dir);
	for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		nanosleep(&ms, NULL);
	printf("usr2 %d\n", (int)count);
	return 0;
}
