/*
 * block_calls: calls every function the block profile interposes (other than the lock
 * functions), from block_calls_all, and their _FORTIFY_SOURCE entry points from
 * block_calls_fortified, checking each result; the waits that need a partner (a
 * condition variable, a barrier, a semaphore, a full pipe, a join) get one from a helper
 * thread after 20 ms. fcntl is also called with every kind of third argument, of which
 * only F_SETLKW and F_OFD_SETLKW wait. Prints "ok", or "FAIL <call>: <why>" for each
 * call that did not do what it should.
 * Usage: block_calls DIR  (a directory for a scratch file)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __pread64_chk(int, void *, size_t, off64_t, size_t);
ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
int __poll_chk(struct pollfd *, nfds_t, int, size_t);
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);

static int failures;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t barrier;
static sem_t sem;
static int flag, full[2];
static long filled;	/* bytes in the full pipe before the blocking write of 4096 */
static pid_t main_tid;

#define EXPECT(call, cond) do {						\
	if (!(cond)) {							\
		printf("FAIL %s: %s\n", call, strerror(errno));		\
		failures++;						\
	}								\
} while (0)

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

static struct timespec in_ms(clockid_t clk, long ms)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	ts.tv_nsec += ms * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* True once the main thread sleeps in write(2) (on the full pipe). */
static bool main_in_write(void)
{
	char path[64], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)main_tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;	/* cannot tell: go on */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 2 && !strncmp(buf, "1 ", 2);
}

/*
 * The partner: signals, meets the barrier, posts, each after 20 ms; then drains the full
 * pipe 20 ms after the main thread is seen blocked writing to it (however late a loaded
 * machine runs it there).
 */
static void *helper(void *arg)
{
	char buf[65536];

	sleep_ms(20);
	pthread_mutex_lock(&m);
	flag = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&m);
	sleep_ms(20);
	pthread_barrier_wait(&barrier);
	sleep_ms(20);
	sem_post(&sem);
	for (int i = 0; i < 5000 && !main_in_write(); i++)
		sleep_ms(1);
	sleep_ms(20);
	for (long left = filled + 4096; left > 0; ) {
		ssize_t n = read(full[0], buf, sizeof(buf) < (size_t)left ? sizeof(buf) : (size_t)left);

		if (n <= 0)
			break;
		left -= n;
	}
	return NULL;
}

static pid_t child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		sleep_ms(5);
		_exit(7);
	}
	return pid;
}

static void fcntl_kinds(int fd, const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	struct f_owner_ex owner;
	int flags, dup_fd;

	flags = fcntl(fd, F_GETFL);
	EXPECT("fcntl F_GETFL", flags >= 0);
	EXPECT("fcntl F_SETFL", fcntl(fd, F_SETFL, flags | O_APPEND) == 0);
	EXPECT("fcntl F_GETFL after F_SETFL", fcntl(fd, F_GETFL) == (flags | O_APPEND));
	EXPECT("fcntl F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
	EXPECT("fcntl F_GETFD", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	dup_fd = fcntl(fd, F_DUPFD, 100);
	EXPECT("fcntl F_DUPFD", dup_fd >= 100);
	close(dup_fd);
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 200);
	EXPECT("fcntl F_DUPFD_CLOEXEC", dup_fd >= 200 && fcntl(dup_fd, F_GETFD) == FD_CLOEXEC);
	close(dup_fd);
	EXPECT("fcntl F_SETOWN negative", fcntl(full[0], F_SETOWN, -getpgrp()) == 0);
	EXPECT("fcntl F_GETOWN", fcntl(full[0], F_GETOWN) == -getpgrp());
	EXPECT("fcntl F_GETOWN_EX", fcntl(full[0], F_GETOWN_EX, &owner) == 0 &&
	       owner.type == F_OWNER_PGRP && owner.pid == getpgrp());
	EXPECT("fcntl F_SETLK", fcntl(fd, F_SETLK, &fl) == 0);
	EXPECT("fcntl F_GETLK", fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK);
	fl.l_type = F_WRLCK;
	EXPECT("fcntl F_SETLKW", fcntl(fd, F_SETLKW, &fl) == 0);
	fl.l_type = F_UNLCK;
	EXPECT("fcntl F_SETLKW unlock", fcntl(fd, F_SETLKW, &fl) == 0);
	fl.l_type = F_WRLCK;
	fl.l_pid = 0;
	EXPECT("fcntl F_OFD_SETLKW", fcntl(fd, F_OFD_SETLKW, &fl) == 0);
	EXPECT("fcntl F_SETPIPE_SZ", fcntl(full[1], F_SETPIPE_SZ, 65536) >= 65536);
	EXPECT("fcntl F_GETPIPE_SZ", fcntl(full[1], F_GETPIPE_SZ) >= 65536);
	errno = 0;
	EXPECT("fcntl bad fd", fcntl(-1, F_GETFL) == -1 && errno == EBADF);
	errno = 0;
	EXPECT("fcntl bad cmd", fcntl(fd, 123456) == -1 && errno == EINVAL);
	(void)path;
}

static __attribute__((noinline, noclone)) void block_calls_all(const char *dir)
{
	char path[4096], buf[16] = "0123456789abcdef", big[4096];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct iovec iov = { buf, 4 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timespec ts = { 0, 1000000 };
	struct timeval tv = { 0, 1000 };
	struct pollfd pfd;
	siginfo_t si;
	socklen_t len;
	pthread_t th;
	int sv[2], fd, lfd, cfd, afd, ep, st;
	fd_set set;
	void *ret;
	pid_t pid;

	main_tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_init(&barrier, NULL, 2);
	sem_init(&sem, 0, 0);
	if (pipe(full) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		exit(2);
	fcntl(full[1], F_SETFL, O_NONBLOCK);
	memset(big, 'x', sizeof(big));
	for (ssize_t n; (n = write(full[1], big, sizeof(big))) > 0; )
		filled += n;
	fcntl(full[1], F_SETFL, 0);
	pthread_create(&th, NULL, helper, NULL);

	pthread_mutex_lock(&m);
	while (!flag)
		EXPECT("pthread_cond_wait", pthread_cond_wait(&cond, &m) == 0);
	ts = in_ms(CLOCK_REALTIME, 2);
	EXPECT("pthread_cond_timedwait", pthread_cond_timedwait(&cond, &m, &ts) == ETIMEDOUT);
	ts = in_ms(CLOCK_MONOTONIC, 2);
	EXPECT("pthread_cond_clockwait",
	       pthread_cond_clockwait(&cond, &m, CLOCK_MONOTONIC, &ts) == ETIMEDOUT);
	pthread_mutex_unlock(&m);
	st = pthread_barrier_wait(&barrier);
	EXPECT("pthread_barrier_wait", st == 0 || st == PTHREAD_BARRIER_SERIAL_THREAD);
	EXPECT("sem_wait", sem_wait(&sem) == 0);
	ts = in_ms(CLOCK_REALTIME, 2);
	EXPECT("sem_timedwait", sem_timedwait(&sem, &ts) == -1 && errno == ETIMEDOUT);
	ts = in_ms(CLOCK_MONOTONIC, 2);
	EXPECT("sem_clockwait", sem_clockwait(&sem, CLOCK_MONOTONIC, &ts) == -1 && errno == ETIMEDOUT);
	EXPECT("write", write(full[1], big, sizeof(big)) == sizeof(big));
	EXPECT("pthread_join", pthread_join(th, &ret) == 0);

	ts.tv_sec = 0;
	ts.tv_nsec = 1000000;
	EXPECT("nanosleep", nanosleep(&ts, NULL) == 0);
	EXPECT("clock_nanosleep", clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	EXPECT("sleep", sleep(1) == 0);
	EXPECT("usleep", usleep(1000) == 0);

	EXPECT("send", send(sv[0], buf, 4, 0) == 4);
	EXPECT("recv", recv(sv[1], buf, 4, 0) == 4);
	EXPECT("sendto", sendto(sv[0], buf, 4, 0, NULL, 0) == 4);
	EXPECT("recvfrom", recvfrom(sv[1], buf, 4, 0, NULL, NULL) == 4);
	EXPECT("sendmsg", sendmsg(sv[0], &msg, 0) == 4);
	EXPECT("recvmsg", recvmsg(sv[1], &msg, 0) == 4);
	EXPECT("writev", writev(sv[0], &iov, 1) == 4);
	EXPECT("readv", readv(sv[1], &iov, 1) == 4);
	EXPECT("write", write(sv[0], buf, 4) == 4);
	EXPECT("read", read(sv[1], buf, 4) == 4);

	pfd.fd = sv[1];
	pfd.events = POLLIN;
	EXPECT("poll", poll(&pfd, 1, 1) == 0);
	ts.tv_nsec = 1000000;
	EXPECT("ppoll", ppoll(&pfd, 1, &ts, NULL) == 0);
	FD_ZERO(&set);
	FD_SET(sv[1], &set);
	EXPECT("select", select(sv[1] + 1, &set, NULL, NULL, &tv) == 0);
	FD_SET(sv[1], &set);
	EXPECT("pselect", pselect(sv[1] + 1, &set, NULL, NULL, &ts, NULL) == 0);
	ep = epoll_create1(0);
	ev.data.fd = sv[1];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	EXPECT("epoll_wait", epoll_wait(ep, &out, 1, 1) == 0);
	EXPECT("epoll_pwait", epoll_pwait(ep, &out, 1, 1, NULL) == 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT("bind", bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(lfd, 4) == 0);
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT("connect", connect(cfd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	len = sizeof(addr);
	afd = accept(lfd, (struct sockaddr *)&addr, &len);
	EXPECT("accept", afd >= 0);
	close(afd);
	close(cfd);
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(cfd, (struct sockaddr *)&addr, sizeof(addr));
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	EXPECT("accept4", afd >= 0 && fcntl(afd, F_GETFD) == FD_CLOEXEC);
	close(afd);
	close(cfd);
	close(lfd);

	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT("pwrite", pwrite(fd, buf, 8, 100) == 8);
	EXPECT("pread", pread(fd, buf, 8, 100) == 8);
	EXPECT("pwrite64", pwrite64(fd, buf, 8, 200) == 8);
	EXPECT("pread64", pread64(fd, buf, 8, 200) == 8);
	EXPECT("flock", flock(fd, LOCK_EX) == 0 && flock(fd, LOCK_UN) == 0);
	fcntl_kinds(fd, path);
	close(fd);

	pid = child();
	EXPECT("waitpid", waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 7);
	pid = child();
	EXPECT("wait", wait(&st) == pid && WEXITSTATUS(st) == 7);
	pid = child();
	EXPECT("waitid", waitid(P_PID, (id_t)pid, &si, WEXITED) == 0 && si.si_status == 7);
}

static __attribute__((noinline, noclone)) void block_calls_fortified(const char *dir)
{
	char path[4096], buf[16] = "0123456789abcdef";
	struct timespec ts = { 0, 1000000 };
	struct pollfd pfd;
	int sv[2], fd;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		exit(2);
	send(sv[0], buf, 12, 0);
	EXPECT("__read_chk", __read_chk(sv[1], buf, 4, sizeof(buf)) == 4);
	EXPECT("__recv_chk", __recv_chk(sv[1], buf, 4, sizeof(buf), 0) == 4);
	EXPECT("__recvfrom_chk", __recvfrom_chk(sv[1], buf, 4, sizeof(buf), 0, NULL, NULL) == 4);
	pfd.fd = sv[1];
	pfd.events = POLLIN;
	EXPECT("__poll_chk", __poll_chk(&pfd, 1, 1, sizeof(pfd)) == 0);
	EXPECT("__ppoll_chk", __ppoll_chk(&pfd, 1, &ts, NULL, sizeof(pfd)) == 0);
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDONLY);
	EXPECT("__pread_chk", __pread_chk(fd, buf, 8, 100, sizeof(buf)) == 8);
	EXPECT("__pread64_chk", __pread64_chk(fd, buf, 8, 200, sizeof(buf)) == 8);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	block_calls_all(argv[1]);
	block_calls_fortified(argv[1]);
	if (!failures)
		printf("ok\n");
	return failures != 0;
}
