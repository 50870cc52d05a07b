/*
 * block_cancel: threads blocked in interposed cancellation points (read on a pipe nobody
 * writes to, pthread_cond_wait, nanosleep, poll, sem_wait, pthread_join) are cancelled
 * after 100 ms; each must end with PTHREAD_CANCELED after running its cleanup handler
 * (the condition variable's with its mutex held again). Then the main thread sleeps
 * 50 ms in block_cancel_after. Prints one line per thread and "done".
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { READ, COND, SLEEP, POLL, SEM, JOIN, N };
static const char *const names[N] = {
	"read", "cond_wait", "nanosleep", "poll", "sem_wait", "join"
};
static _Atomic int cleaned[N];
static pthread_mutex_t m;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int pipefd[2];
static pthread_t forever;

static void cleanup(void *arg)
{
	int which = (int)(intptr_t)arg;

	/* The condition variable's cleanup runs with the mutex held: unlocking must work. */
	if (which == COND)
		cleaned[which] = pthread_mutex_unlock(&m) == 0 ? 1 : -1;
	else
		cleaned[which] = 1;
}

static void *block(void *arg)
{
	int which = (int)(intptr_t)arg;
	struct timespec ts = { 10, 0 };
	char c;

	pthread_cleanup_push(cleanup, arg);
	switch (which) {
	case READ:
		read(pipefd[0], &c, 1);
		break;
	case COND:
		pthread_mutex_lock(&m);
		for (;;)
			pthread_cond_wait(&cond, &m);
		break;
	case SLEEP:
		nanosleep(&ts, NULL);
		break;
	case POLL:
		poll(NULL, 0, -1);
		break;
	case SEM:
		sem_wait(&sem);
		break;
	case JOIN:
		pthread_join(forever, NULL);
		break;
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static __attribute__((noinline, noclone)) void block_cancel_after(void)
{
	struct timespec ts = { 0, 50 * 1000000 };

	nanosleep(&ts, NULL);
	__asm__ volatile("" ::: "memory");
}

int main(void)
{
	struct timespec ts = { 0, 100 * 1000000 };
	pthread_mutexattr_t a;
	pthread_t th[N];

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	sem_init(&sem, 0, 0);
	if (pipe(pipefd))
		return 2;
	pthread_create(&forever, NULL, sleeper, NULL);
	for (int i = 0; i < N; i++)
		pthread_create(&th[i], NULL, block, (void *)(intptr_t)i);
	nanosleep(&ts, NULL);
	for (int i = 0; i < N; i++)
		pthread_cancel(th[i]);
	for (int i = 0; i < N; i++) {
		void *ret = NULL;
		int rc = pthread_join(th[i], &ret);

		printf("%s: join %s, %s, cleanup %s\n", names[i], rc ? strerror(rc) : "0",
		       ret == PTHREAD_CANCELED ? "canceled" : "not canceled",
		       cleaned[i] == 1 ? "ran" : cleaned[i] ? "failed" : "did not run");
	}
	block_cancel_after();
	printf("done\n");
	return 0;
}
