/*
 * eintr: threads that wait in poll, nanosleep, select, epoll_wait and read (on a pipe
 * nobody writes to), each with a short timeout in a loop, while two threads burn CPU
 * under the sampler. No call may fail with EINTR. Prints "eintr N waits M".
 * Usage: eintr [ms]  (default 2000)
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static _Atomic long n_eintr, n_waits;
static _Atomic int stop;
static int64_t budget_ns;

static void count(int rc)
{
	n_waits++;
	if (rc < 0 && errno == EINTR)
		n_eintr++;
}

static void *waiter(void *arg)
{
	int kind = (int)(intptr_t)arg, p[2], ep;
	struct epoll_event ev = { .events = EPOLLIN };

	if (pipe(p) < 0)
		exit(3);
	ep = epoll_create1(0);
	ev.data.fd = p[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	while (!stop) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		struct timespec ts = { 0, 20 * 1000000 };
		struct timeval tv = { 0, 20000 };
		fd_set set;

		switch (kind) {
		case 0:
			count(poll(&pfd, 1, 20));
			break;
		case 1:
			count(nanosleep(&ts, NULL));
			break;
		case 2:
			FD_ZERO(&set);
			FD_SET(p[0], &set);
			count(select(p[0] + 1, &set, NULL, NULL, &tv));
			break;
		case 3:
			count(epoll_wait(ep, &ev, 1, 20));
			break;
		}
	}
	return NULL;
}

static __attribute__((noinline)) void *burner(void *arg)
{
	BURN_NS(budget_ns);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t w[4], b[2];

	budget_ns = (argc > 1 ? atoll(argv[1]) : 2000) * 1000000;
	for (int i = 0; i < 4; i++)
		pthread_create(&w[i], NULL, waiter, (void *)(intptr_t)i);
	for (int i = 0; i < 2; i++)
		pthread_create(&b[i], NULL, burner, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(b[i], NULL);
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(w[i], NULL);
	printf("eintr %ld waits %ld\n", (long)n_eintr, (long)n_waits);
	return 0;
}
