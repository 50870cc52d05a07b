/*
 * heap_fork: four threads allocate and free without pause (churn_thread) while the main
 * thread forks 10 children, one after another; each child allocates 100 blocks of 512
 * bytes in child_alloc, frees 60 of them and exits (writing its own profile). Prints
 * "child PID status S" per child, then "expect child_alloc ..." for a child's profile.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static _Atomic int stop;
void *volatile sink;

__attribute__((noinline, noclone)) void *churn_thread(void *arg)
{
	void *keep[64] = { 0 };
	unsigned x = (unsigned)(long)arg * 2654435761u + 1;

	while (!atomic_load(&stop)) {
		int slot;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		slot = x % 64;
		free(keep[slot]);
		keep[slot] = malloc((size_t)16 << (x % 12));
		sink = keep[slot];
	}
	for (int i = 0; i < 64; i++)
		free(keep[i]);
	return NULL;
}

__attribute__((noinline, noclone)) void child_alloc(void)
{
	void *p[100];

	for (int i = 0; i < 100; i++) {
		p[i] = malloc(512);
		memset(p[i], 1, 512);
	}
	for (int i = 40; i < 100; i++)
		free(p[i]);
	sink = p[0];
}

int main(void)
{
	static char out[1 << 16];
	struct timespec ms = { 0, 20 * 1000000 };
	pthread_t th[4];

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, churn_thread, (void *)(i + 1));
	for (int c = 0; c < 10; c++) {
		pid_t pid;
		int status = -1;

		nanosleep(&ms, NULL);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			child_alloc();
			exit(0);
		}
		if (pid > 0)
			waitpid(pid, &status, 0);
		printf("child %d status %d\n", (int)pid, status);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("expect child_alloc calls 100 bytes 51200 live_objects 40 live_bytes 20480\n");
	return 0;
}
