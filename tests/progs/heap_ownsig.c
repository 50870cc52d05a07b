/*
 * heap_ownsig: a program with its own idea of SIGUSR2. MODE "handler" installs a handler
 * (with signal()) that counts and creates DIR/usr2-N for the Nth signal; "ign" ignores
 * SIGUSR2; "dfl" leaves it alone (the default action terminates). Then it creates
 * DIR/ready and sleeps until DIR/stop exists, and prints "usr2 N". MODE "eintr" and
 * "restart" install the handler with sigaction, without and with SA_RESTART, and block
 * in a read of a pipe that a second thread writes to once DIR/stop exists; they print
 * "read EINTR" when a SIGUSR2 interrupted the read, "read 1" when it went on.
 * Usage: heap_ownsig MODE DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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

static int pipe_fd[2];

/* Waits for DIR/stop, then lets the main thread's read end. */
static void *writer(void *arg)
{
	struct timespec ms = { 0, 10 * 1000000 };
	const char *stop = arg;

	for (int i = 0; i < 6000 && access(stop, F_OK) != 0; i++)
		nanosleep(&ms, NULL);
	if (write(pipe_fd[1], "x", 1) != 1)
		return NULL;
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 10 * 1000000 };
	struct sigaction sa;
	char path[3100], c;
	bool piped;
	pthread_t t;
	int fd;

	if (argc < 3 || strlen(argv[2]) >= sizeof(dir))
		return 2;
	strcpy(dir, argv[2]);
	piped = !strcmp(argv[1], "eintr") || !strcmp(argv[1], "restart");
	if (!strcmp(argv[1], "handler"))
		signal(SIGUSR2, on_usr2);
	else if (!strcmp(argv[1], "ign"))
		signal(SIGUSR2, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigemptyset(&sa.sa_mask);
	if (!strcmp(argv[1], "restart"))
		sa.sa_flags = SA_RESTART;
	if (piped && (sigaction(SIGUSR2, &sa, NULL) < 0 || pipe(pipe_fd) < 0))
		return 2;
	snprintf(path, sizeof(path), "%s/ready", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/stop", dir);
	if (piped) {
		ssize_t r;

		if (pthread_create(&t, NULL, writer, path) != 0)
			return 2;
		r = read(pipe_fd[0], &c, 1);
		if (r < 0 && errno == EINTR)
			printf("read EINTR\n");
		else
			printf("read %d\n", (int)r);
		pthread_join(t, NULL);
		printf("usr2 %d\n", (int)count);
		return 0;
	}
	for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		nanosleep(&ms, NULL);
	printf("usr2 %d\n", (int)count);
	return 0;
}
