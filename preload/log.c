/*
 * log.c: user-facing messages and the launcher handshake. The _sig functions only use
 * write(2) and fstat(2); log_warn formats in normal context and deduplicates messages so
 * a failure that repeats (every dump, every thread) is reported once.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "limits.h"
#include "log.h"

static bool is_socket_sig(int fd, ino_t ino);

static dev_t stderr_dev;
static ino_t stderr_ino;
static bool stderr_known;
static _Atomic int handshake_fd = -1;
static ino_t handshake_ino;

#define SEEN_MAX 128
static _Atomic uint64_t seen[SEEN_MAX];

void log_init(void)
{
	struct stat st;

	if (fstat(2, &st) == 0) {
		stderr_dev = st.st_dev;
		stderr_ino = st.st_ino;
		stderr_known = true;
	}
}


int log_handshake_fd(void)
{
	return atomic_load(&handshake_fd);
}

bool log_handshake_open(const char *spec, bool keep)
{
	unsigned long long ino;
	int fd;

	if (!spec || sscanf(spec, "%d:%llu", &fd, &ino) != 2 || !is_socket_sig(fd, (ino_t)ino))
		return false;
	if (!keep) {
		close(fd);
		return true;
	}
	handshake_ino = (ino_t)ino;
	atomic_store(&handshake_fd, fd);
	return true;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h | 1;
}

static bool first_time(const char *text)
{
	uint64_t h = hash_str(text);

	for (int i = 0; i < SEEN_MAX; i++) {
		uint64_t cur = atomic_load(&seen[i]);

		if (cur == h)
			return false;
		if (cur == 0) {
			uint64_t zero = 0;

			if (atomic_compare_exchange_strong(&seen[i], &zero, h))
				return true;
			if (zero == h)
				return false;
		}
	}
	return true;
}

void log_warn(const char *fmt, ...)
{
	char line[CPROF_LOG_LINE_MAX];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (first_time(line))
		log_write_sig(line);
	errno = saved;
}

/* --- signal context --- */

/* True when fd is an open socket with inode ino. Signal context: yes. */
static bool is_socket_sig(int fd, ino_t ino)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == ino;
}

char *log_cat_sig(char *dst, size_t size, const char *src)
{
	size_t n = strlen(dst);

	while (*src && n + 1 < size)
		dst[n++] = *src++;
	dst[n] = 0;
	return dst;
}

char *log_cat_u64_sig(char *dst, size_t size, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp) - 1;

	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	return log_cat_sig(dst, size, tmp + i);
}

static bool stderr_is_ours_sig(void)
{
	struct stat st;

	if (!stderr_known || fstat(2, &st) != 0)
		return false;
	return st.st_dev == stderr_dev && st.st_ino == stderr_ino;
}

void log_write_sig(const char *msg)
{
	char line[CPROF_LOG_LINE_MAX];
	int saved = errno;

	line[0] = 0;
	log_cat_sig(line, sizeof(line) - 1, "cprof: ");
	log_cat_sig(line, sizeof(line) - 1, msg);
	log_cat_sig(line, sizeof(line), "\n");
	if (stderr_is_ours_sig()) {
		ssize_t r;

		/* The system call itself: block.c's write wrapper must not time the profiler. */
		do
			r = syscall(SYS_write, 2, line, strlen(line));
		while (r < 0 && errno == EINTR);
	}
	errno = saved;
}

void log_handshake_sig(const char *line)
{
	char buf[PIPE_BUF];
	int fd = atomic_load(&handshake_fd);
	int saved = errno;
	size_t n = strlen(line);
	ssize_t r;

	if (n + 1 > sizeof(buf) || !is_socket_sig(fd, handshake_ino))
		return;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	/*
	 * The channel is a socket so that MSG_NOSIGNAL spares the program a SIGPIPE when the
	 * launcher is gone, and MSG_DONTWAIT spares it a stall when nobody reads.
	 */
	do
		r = syscall(SYS_sendto, fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0);
	while (r < 0 && errno == EINTR);
	errno = saved;
}

void log_never_sig(const char *file, int line)
{
	static _Atomic int reported;
	char msg[CPROF_LOG_LINE_MAX];

	if (atomic_exchange(&reported, 1))
		return;
	msg[0] = 0;
	log_cat_sig(msg, sizeof(msg), "internal error at ");
	log_cat_sig(msg, sizeof(msg), file);
	log_cat_sig(msg, sizeof(msg), ":");
	log_cat_u64_sig(msg, sizeof(msg), (uint64_t)line);
	log_write_sig(msg);
}
