/*
 * heap_sigmalloc: a program whose own SIGUSR2 handler allocates (handler_alloc keeps a
 * 64-byte block per signal) while a worker thread, with SIGUSR2 blocked, allocates and
 * frees without pause. The main thread installs the handler, creates DIR/ready, and
 * sleeps until DIR/stop exists; then prints "handled N" and an "expect handler_alloc"
 * line (see heap_entry.c).
 * Usage: heap_sigmalloc DIR
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int stop;
static volatile sig_atomic_t handled;
void *kept[1000];
void *volatile sink;

__attribute__((noinline, noclone)) void handler_alloc(void)
{
	void *p = malloc(64);

	memset(p, 9, 64);
	if (handled < 1000)
		kept[handled] = p;
}

static void on_usr2(int sig)
{
	handler_alloc();
	handled++;
}

static void *worker(void *arg)
{
	void *keep[32] = { 0 };
	unsigned x = 12345;

	while (!atomic_load(&stop)) {
		int slot;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		slot = x % 32;
		free(keep[slot]);
		keep[slot] = malloc((size_t)16 << (x % 10));
		sink = keep[slot];
	}
	for (int i = 0; i < 32; i++)
		free(keep[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	static char out[1 << 16], path[4096];
	struct timespec ms = { 0, 10 * 1000000 };
	struct sigaction sa;
	sigset_t usr2, old;
	pthread_t th;
	int fd;

	if (argc < 2)
		return 2;
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	/* The worker never takes SIGUSR2: it would interrupt malloc, and malloc is not reentrant. */
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, &old);
	pthread_create(&th, NULL, worker, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	snprintf(path, sizeof(path), "%s/ready", argv[1]);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/stop", argv[1]);
	for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		nanosleep(&ms, NULL);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("handled %d\n", (int)handled);
	printf("expect handler_alloc calls %d bytes %d live_objects %d live_bytes %d\n",
	       (int)handled, 64 * (int)handled, (int)handled, 64 * (int)handled);
	return 0;
}
