/*
 * block_eintr: a SIGALRM handler installed without SA_RESTART (it writes a byte to
 * /dev/null, an interposed call) interrupts blocking calls 100 ms in: poll (in block_eintr_poll),
 * read, nanosleep, select, epoll_wait, sem_wait, waitpid, each must fail with EINTR as
 * without cprof (nanosleep reporting the time left); then with SA_RESTART a read is
 * restarted and gets the byte a thread writes 300 ms later. A successful read and a
 * successful pthread_mutex_lock leave errno as it was. Prints one line per call.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int devnull, pipefd[2];
static _Atomic int alarms;

static void on_alarm(int sig)
{
	alarms++;
	/* An interposed call inside the handler. */
	write(devnull, "x", 1);
}

static void handle(int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

static void alarm_in_100ms(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void report(const char *what, int rc)
{
	printf("%s: %d %s\n", what, rc, rc < 0 ? strerrorname_np(errno) : "-");
}

static __attribute__((noinline, noclone)) int block_eintr_poll(void)
{
	int rc = poll(NULL, 0, 5000);

	__asm__ volatile("" ::: "memory");	/* no tail call: poll is called from here */
	return rc;
}

static void *late_writer(void *arg)
{
	struct timespec ts = { 0, 300 * 1000000 };

	nanosleep(&ts, NULL);
	write(pipefd[1], "y", 1);
	return NULL;
}

int main(void)
{
	struct timespec ts = { 5, 0 }, rem = { 0, 0 };
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct epoll_event ev;
	struct timeval tv;
	pthread_t th;
	fd_set set;
	sem_t sem;
	char c;
	pid_t pid;
	int ep, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	devnull = open("/dev/null", O_WRONLY);
	if (pipe(pipefd) || devnull < 0)
		return 2;
	handle(0);

	alarm_in_100ms();
	report("poll", block_eintr_poll());
	alarm_in_100ms();
	report("read", (int)read(pipefd[0], &c, 1));
	alarm_in_100ms();
	rc = nanosleep(&ts, &rem);
	report("nanosleep", rc);
	printf("nanosleep left more than 4 s: %s\n", rem.tv_sec >= 4 ? "yes" : "no");
	alarm_in_100ms();
	FD_ZERO(&set);
	FD_SET(pipefd[0], &set);
	tv.tv_sec = 5;
	tv.tv_usec = 0;
	report("select", select(pipefd[0] + 1, &set, NULL, NULL, &tv));
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = pipefd[0];
	epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev);
	alarm_in_100ms();
	report("epoll_wait", epoll_wait(ep, &ev, 1, 5000));
	sem_init(&sem, 0, 0);
	alarm_in_100ms();
	report("sem_wait", sem_wait(&sem));
	pid = fork();
	if (pid == 0) {
		sleep(5);
		_exit(0);
	}
	alarm_in_100ms();
	report("waitpid", waitpid(pid, NULL, 0));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	handle(SA_RESTART);
	pthread_create(&th, NULL, late_writer, NULL);
	alarm_in_100ms();
	rc = (int)read(pipefd[0], &c, 1);
	report("read with SA_RESTART", rc);
	pthread_join(th, NULL);
	errno = 12345;
	write(pipefd[1], "z", 1);
	rc = (int)read(pipefd[0], &c, 1);
	printf("errno after a successful read: %d\n", errno);
	errno = 12345;
	pthread_mutex_lock(&m);
	pthread_mutex_unlock(&m);
	printf("errno after a successful lock: %d\n", errno);
	printf("alarms: %d\n", alarms);
	return 0;
}
