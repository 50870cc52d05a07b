/*
 * http.c: the /debug/pprof/ server's sockets and threads (http.h). One event-loop thread
 * owns every socket and reads, waits and writes without blocking, each connection with a
 * deadline, so no client can stall it or the program; two workers run the handler, which
 * may take long. Requests are read whole before they are handled, answers built whole
 * before they are sent, connections closed after them. Its threads block every signal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "httpreq.h"
#include "limits.h"
#include "log.h"
#include "real.h"
#include "threads.h"

#define WORKERS 2
#define JOBS_MAX (2 * CPROF_HTTP_CONNS_MAX)

/*
 * A connection moves READ -> BUSY (a worker has its exchange) -> WRITE -> FREE, with
 * BUSY -> WAIT -> BUSY while a handler waits. Only the loop thread changes states and
 * touches sockets; while BUSY the exchange is the worker's. "gone" marks a client that
 * left while its exchange was away: the exchange is cancelled or dropped when it returns.
 */
enum { C_FREE, C_READ, C_BUSY, C_WAIT, C_WRITE };

struct conn {
	int state;
	int fd;
	dev_t dev;			/* which socket fd is: the program may close it and */
	ino_t ino;			/* reuse the number for a file of its own */
	bool gone;
	int64_t deadline;		/* CLOCK_MONOTONIC ns */
	char *in;			/* what the client sent */
	size_t in_len, in_cap, scanned;
	size_t head_len;		/* 0 until the head is complete */
	struct httpreq req;
	struct httpreq_chunks chunks;
	size_t raw_used;		/* body bytes fed to the chunk decoder */
	char *body;			/* chunked bodies, decoded */
	size_t body_len;
	bool continued;			/* "100 Continue" sent */
	bool head_only;			/* HEAD: no body in the answer */
	int minor;
	char *strings;			/* the request's NUL-terminated copies */
	struct http_exchange x;
	char *out;
	size_t out_len, out_off;
};

enum { J_SERVE, J_RESUME, J_CANCEL };

struct job {
	int slot;
	int kind;
};

static struct conn conns[CPROF_HTTP_CONNS_MAX];
static int listen_fd = -1;
static dev_t listen_dev;
static ino_t listen_ino;
static http_handler handler;
static _Atomic bool stopping;
static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static ino_t unix_ino;

/* Jobs for the workers, and jobs done for the loop; each slot has at most one in flight. */
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cond = PTHREAD_COND_INITIALIZER;
static struct job todo[JOBS_MAX], done[JOBS_MAX];
static size_t n_todo, n_done;

/*
 * Whether fd still is the socket it was: a program may close every descriptor it did not
 * open (closefrom) and reuse the numbers, and then the server must not touch them.
 */
static bool still_ours(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- addresses --------------------------------------------------------------------------- */

int http_parse_addr(const char *addr, void *ssp, unsigned *len, bool *loopback)
{
	struct sockaddr_storage *ss = ssp;
	const char *colon, *host_end, *host = addr;
	char hostbuf[64], *end;
	unsigned long port;

	memset(ss, 0, sizeof(*ss));
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		size_t n = strlen(addr + 5);

		if (!n || n >= sizeof(un->sun_path))
			return -EINVAL;
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, addr + 5, n + 1);
		*len = (unsigned)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		*loopback = true;
		return 0;
	}
	colon = strrchr(addr, ':');
	if (!colon || !colon[1])
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port > 65535 || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	host_end = colon;
	if (*host == '[') {
		if (host_end[-1] != ']')
			return -EINVAL;
		host++;
		host_end--;
	}
	if ((size_t)(host_end - host) >= sizeof(hostbuf))
		return -EINVAL;
	memcpy(hostbuf, host, (size_t)(host_end - host));
	hostbuf[host_end - host] = 0;
	if (!strcmp(hostbuf, "localhost"))
		strcpy(hostbuf, "127.0.0.1");
	if (!hostbuf[0] && *addr != '[') {
		/* ":6060", as Go's net.Listen: every interface. */
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		*loopback = false;
		return 0;
	}
	if (*addr != '[' && inet_pton(AF_INET, hostbuf, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		*loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (*addr == '[' && inet_pton(AF_INET6, hostbuf, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		const uint8_t *b = s6->sin6_addr.s6_addr;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		*loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
			    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127);
		return 0;
	}
	return -EINVAL;
}

/* "127.0.0.1:6060", "[::1]:6060" or "unix:/path": where the socket really listens. */
static void bound_name(int fd, const char *given, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];

	snprintf(out, size, "%s", given);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, size, "[%s]:%u", ip, ntohs(s6->sin6_port));
	}
}

/*
 * A Unix socket path may hold a socket left by a process that died: it is replaced when
 * nobody answers on it. Anything else there is left alone.
 */
static int unix_prepare(const struct sockaddr_un *un, unsigned len)
{
	struct stat st;
	int fd, rc;

	if (lstat(un->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)un, len);
	close(fd);
	if (rc == 0)
		return -EADDRINUSE;
	return unlink(un->sun_path) < 0 ? -errno : 0;
}

static int listen_on(const char *addr, bool public, char *name, size_t name_size)
{
	struct sockaddr_storage ss;
	unsigned len;
	bool loopback;
	int fd, one = 1, rc;

	if (http_parse_addr(addr, &ss, &len, &loopback) < 0) {
		log_warn("cannot serve http on '%s': not HOST:PORT, [IPV6]:PORT or unix:PATH "
			 "(host names other than localhost are not resolved)", addr);
		return -EINVAL;
	}
	if (!loopback && !public) {
		log_warn("not serving http on '%s': not a loopback address; anyone who can reach "
			 "it could read this program's profiles (set CPROF_HTTP_PUBLIC=1 to allow it)",
			 addr);
		return -EACCES;
	}
	if (ss.ss_family == AF_UNIX) {
		rc = unix_prepare((struct sockaddr_un *)&ss, len);
		if (rc < 0)
			goto fail;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	if (ss.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	if (ss.ss_family == AF_UNIX) {
		struct stat st;
		const char *path = ((struct sockaddr_un *)&ss)->sun_path;

		/* Only this user may connect; nobody can before listen(). */
		if (chmod(path, 0600) < 0 || stat(path, &st) < 0) {
			rc = -errno;
			unlink(path);
			close(fd);
			goto fail;
		}
		memcpy(unix_path, path, sizeof(unix_path));
		unix_path[sizeof(unix_path) - 1] = 0;
		unix_ino = st.st_ino;
	}
	if (listen(fd, 64) < 0) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	bound_name(fd, addr, name, name_size);
	return fd;
fail:
	log_warn("cannot serve http on '%s': %s", addr, strerror(-rc));
	return rc;
}

/* --- jobs ------------------------------------------------------------------------------- */

static void job_push(struct job *q, size_t *n, int slot, int kind)
{
	real_mutex_lock(&jobs_lock);
	/* Cannot overflow: each slot has at most one job in flight. */
	if (!CPROF_NEVER(*n >= JOBS_MAX)) {
		q[*n].slot = slot;
		q[*n].kind = kind;
		(*n)++;
	}
	pthread_cond_broadcast(&jobs_cond);
	real_mutex_unlock(&jobs_lock);
}

static void *worker_main(void *arg)
{
	cprof_tls.in_cprof = 1;
	threads_exclude_self();
	prctl(PR_SET_NAME, "cprof-http-w", 0, 0, 0);
	for (;;) {
		struct job j;
		struct http_exchange *x;

		real_mutex_lock(&jobs_lock);
		while (!n_todo && !atomic_load(&stopping))
			pthread_cond_wait(&jobs_cond, &jobs_lock);
		/*
		 * Stopping with nothing left to do: end, so that a process whose other threads
		 * have all ended (its main thread called pthread_exit) can end too.
		 */
		if (!n_todo) {
			real_mutex_unlock(&jobs_lock);
			return NULL;
		}
		j = todo[0];
		memmove(todo, todo + 1, --n_todo * sizeof(todo[0]));
		real_mutex_unlock(&jobs_lock);
		x = &conns[j.slot].x;
		if (j.kind == J_SERVE)
			handler(x);
		else if (j.kind == J_RESUME)
			x->resume(x);
		else if (x->cancel)
			x->cancel(x);
		/* The loop looks at the done jobs every 1 to 10 ms while any are out. */
		job_push(done, &n_done, j.slot, j.kind);
	}
	return NULL;
}

/* --- answers ------------------------------------------------------------------------------ */

static const char *reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 301: return "Moved Permanently";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Request Entity Too Large";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* "Date: Wed, 25 Nov 2026 20:32:05 GMT", without the locale (the program's may differ). */
static void http_date(char *out, size_t size)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, size, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT", days + 3 * tm.tm_wday,
		 tm.tm_mday, months + 3 * tm.tm_mon, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

static void free_request(struct conn *c)
{
	free(c->in);
	free(c->body);
	free(c->strings);
	c->in = c->body = c->strings = NULL;
	c->in_len = c->in_cap = c->body_len = 0;
}

static void conn_free(struct conn *c)
{
	if (still_ours(c->fd, c->dev, c->ino))
		close(c->fd);
	free_request(c);
	free(c->out);
	free(c->x.resp.body);
	free(c->x.resp.owned);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->state = C_FREE;
}

static void start_write(struct conn *c, char *out, size_t len)
{
	free_request(c);
	c->out = out;
	c->out_len = len;
	c->out_off = 0;
	c->state = out ? C_WRITE : C_FREE;
	c->deadline = now_ns() + (int64_t)CPROF_HTTP_STALL_MS_MAX * 1000000;
	if (!out)
		conn_free(c);
}

/* Go's answer to a request it could not read: no Date, no length, connection closed. */
static void answer_raw(struct conn *c, int status, const char *why, bool public_reason)
{
	char text[160], *out;
	int n;

	if (status == 501)
		snprintf(text, sizeof(text), "Unsupported transfer encoding");
	else if (public_reason && why)
		snprintf(text, sizeof(text), "%d %s: %s", status, reason(status), why);
	else
		snprintf(text, sizeof(text), "%d %s", status, reason(status));
	out = malloc(512);
	if (!out) {
		start_write(c, NULL, 0);
		return;
	}
	n = snprintf(out, 512, "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		     "Connection: close\r\n\r\n%s", status == 501 ? "501 Not Implemented" : text,
		     text);
	start_write(c, out, (size_t)n);
}

/* Headers in Go's order (the handler's sorted by name), then Date, length, close. */
static void answer(struct conn *c)
{
	struct http_response *r = &c->x.resp;
	size_t body = c->head_only ? 0 : r->len, n = 0, cap;
	char date[64], *out;

	if (!r->status) {
		r->status = 500;
		r->content_type = "text/plain; charset=utf-8";
	}
	http_date(date, sizeof(date));
	cap = 1024 + (r->disposition ? strlen(r->disposition) : 0) +
	      (r->location ? strlen(r->location) : 0) + body;
	out = malloc(cap);
	if (!out) {
		start_write(c, NULL, 0);
		return;
	}
	n += (size_t)snprintf(out + n, cap - n, "HTTP/1.%d %d %s\r\n", c->minor, r->status,
			      reason(r->status));
	if (r->disposition)
		n += (size_t)snprintf(out + n, cap - n, "Content-Disposition: %s\r\n", r->disposition);
	if (r->content_type)
		n += (size_t)snprintf(out + n, cap - n, "Content-Type: %s\r\n", r->content_type);
	if (r->location)
		n += (size_t)snprintf(out + n, cap - n, "Location: %s\r\n", r->location);
	if (r->nosniff)
		n += (size_t)snprintf(out + n, cap - n, "X-Content-Type-Options: nosniff\r\n");
	if (r->go_pprof)
		n += (size_t)snprintf(out + n, cap - n, "X-Go-Pprof: 1\r\n");
	n += (size_t)snprintf(out + n, cap - n, "Date: %s\r\nContent-Length: %zu\r\n"
			      "Connection: close\r\n\r\n", date, r->len);
	if (body)
		memcpy(out + n, r->body, body);
	free(r->body);
	r->body = NULL;
	start_write(c, out, n + body);
}

/* --- reading requests ------------------------------------------------------------------- */

/* Hands the complete request to a worker. */
static void dispatch(struct conn *c, int slot)
{
	struct http_request *q = &c->x.req;
	const char *query;
	size_t query_len, mlen = c->req.method_len, tlen = c->req.target_len;
	char *s = malloc(mlen + 1 + 2 * (tlen + 1));

	if (!s) {
		answer_raw(c, 500, NULL, false);
		return;
	}
	c->strings = s;
	memcpy(s, c->req.method, mlen);
	s[mlen] = 0;
	q->method = s;
	c->head_only = !strcmp(s, "HEAD");
	s += mlen + 1;
	if (httpreq_path(&c->req, s, tlen + 1, &query, &query_len) < 0) {
		answer_raw(c, 400, NULL, false);
		return;
	}
	q->path = s;
	s += tlen + 1;
	memcpy(s, query ? query : "", query_len);
	s[query_len] = 0;
	q->query = s;
	q->query_len = query_len;
	q->has_query = query != NULL;
	if (c->req.chunked) {
		q->body = c->body ? c->body : "";
		q->body_len = c->body_len;
	} else {
		q->body = c->in + c->head_len;
		q->body_len = c->req.content_length > 0 ? (size_t)c->req.content_length : 0;
	}
	/* Go's ParseForm reads a body only for these methods. */
	q->form = httpreq_is_form(&c->req) && (!strcmp(q->method, "POST") ||
		  !strcmp(q->method, "PUT") || !strcmp(q->method, "PATCH"));
	c->state = C_BUSY;
	job_push(todo, &n_todo, slot, J_SERVE);
}

/* What has arrived so far: parses the head, then waits for or decodes the body. */
static void advance(struct conn *c, int slot)
{
	int rc;

	if (!c->head_len) {
		size_t from = c->scanned > 3 ? c->scanned - 3 : 0;
		bool end = false;

		/* Parse only once the blank line is there, so a byte-at-a-time client costs little. */
		for (size_t i = from; i < c->in_len && !end; i++)
			end = c->in[i] == '\n' && ((i + 1 < c->in_len && c->in[i + 1] == '\n') ||
				(i + 2 < c->in_len && c->in[i + 1] == '\r' && c->in[i + 2] == '\n'));
		c->scanned = c->in_len;
		if (!end && c->in_len < CPROF_HTTP_HEAD_MAX)
			return;
		rc = httpreq_parse_head(c->in, c->in_len, CPROF_HTTP_HEAD_MAX, &c->req);
		if (rc == 0)
			return;
		if (rc < 0) {
			/* Go names the cause only for these (its statusError cases). */
			answer_raw(c, -rc, c->req.error, rc == -505 ||
				   (rc == -400 && strstr(c->req.error, "Host header")));
			return;
		}
		c->head_len = (size_t)rc;
		c->minor = c->req.minor;
		if (c->req.content_length > (int64_t)CPROF_HTTP_BODY_MAX) {
			answer_raw(c, 413, NULL, false);
			return;
		}
	}
	if (c->req.expect_continue && !c->continued && c->in_len == c->head_len &&
	    (c->req.chunked || c->req.content_length > 0)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		c->continued = true;
		if (send(c->fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* The client will send its body anyway, or time out. */
		}
	}
	if (c->req.chunked) {
		size_t avail = c->in_len - c->head_len - c->raw_used;
		long used;

		if (!c->body && !(c->body = malloc(CPROF_HTTP_BODY_MAX))) {
			answer_raw(c, 500, NULL, false);
			return;
		}
		used = httpreq_chunks_feed(&c->chunks, c->in + c->head_len + c->raw_used, avail,
					   c->body, &c->body_len, CPROF_HTTP_BODY_MAX);
		if (used < 0) {
			answer_raw(c, (int)-used, NULL, false);
			return;
		}
		c->raw_used += (size_t)used;
		if (c->chunks.done)
			dispatch(c, slot);
		return;
	}
	if (c->in_len - c->head_len >= (size_t)(c->req.content_length > 0 ? c->req.content_length : 0))
		dispatch(c, slot);
}

/* Reads what the client sent; false when the connection is over. */
static bool read_some(struct conn *c, int slot)
{
	for (;;) {
		size_t room;
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? 2 * c->in_cap : 4096;
			size_t most = CPROF_HTTP_HEAD_MAX + 2 * (size_t)CPROF_HTTP_BODY_MAX + 4096;
			char *grown;

			if (c->in_cap >= most) {
				answer_raw(c, 413, NULL, false);
				return true;
			}
			grown = realloc(c->in, cap < most ? cap : most);
			if (!grown) {
				conn_free(c);
				return false;
			}
			c->in = grown;
			c->in_cap = cap < most ? cap : most;
		}
		room = c->in_cap - c->in_len;
		if (!still_ours(c->fd, c->dev, c->ino)) {
			c->fd = -1;
			conn_free(c);
			return false;
		}
		n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0) {
			/* Gone before the request was complete: Go closes without an answer. */
			conn_free(c);
			return false;
		}
		c->in_len += (size_t)n;
		advance(c, slot);
		if (c->state != C_READ)
			return true;
	}
}

/* While an exchange waits: true when the client has gone (end of file or an error). */
static bool client_gone(struct conn *c)
{
	char buf[4096];
	ssize_t n;

	if (!still_ours(c->fd, c->dev, c->ino)) {
		c->fd = -1;
		return true;
	}
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static void write_some(struct conn *c)
{
	if (!still_ours(c->fd, c->dev, c->ino)) {
		c->fd = -1;
		conn_free(c);
		return;
	}
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->out_off += (size_t)n;
		c->deadline = now_ns() + (int64_t)CPROF_HTTP_STALL_MS_MAX * 1000000;
	}
	/* All sent: half-close first, so the client sees the end before any reset. */
	shutdown(c->fd, SHUT_WR);
	conn_free(c);
}

/* --- the loop ------------------------------------------------------------------------------ */

/* A finished job comes back to the loop. */
static void job_done(int slot, int kind)
{
	struct conn *c = &conns[slot];

	if (kind == J_CANCEL || (c->gone && c->x.wait_ns <= 0)) {
		conn_free(c);
		return;
	}
	if (c->gone) {
		c->state = C_BUSY;
		job_push(todo, &n_todo, slot, J_CANCEL);
		return;
	}
	if (c->x.wait_ns > 0) {
		c->state = C_WAIT;
		c->deadline = now_ns() + c->x.wait_ns;
		c->x.wait_ns = 0;
		return;
	}
	answer(c);
}

static void take_done(void)
{
	struct job got[JOBS_MAX];
	size_t n;

	real_mutex_lock(&jobs_lock);
	n = n_done;
	memcpy(got, done, n * sizeof(got[0]));
	n_done = 0;
	real_mutex_unlock(&jobs_lock);
	for (size_t i = 0; i < n; i++)
		job_done(got[i].slot, got[i].kind);
}

static void accept_all(void)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
				   "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
				   "503 Service Unavailable: too many connections";

	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot = -1;
		struct stat st;

		if (fd < 0)
			return;
		for (int i = 0; i < CPROF_HTTP_CONNS_MAX && slot < 0; i++)
			if (conns[i].state == C_FREE)
				slot = i;
		if (slot < 0) {
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* nothing more to do for it */
			}
			close(fd);
			continue;
		}
		memset(&conns[slot], 0, sizeof(conns[slot]));
		if (fstat(fd, &st) < 0) {
			close(fd);
			continue;
		}
		conns[slot].fd = fd;
		conns[slot].dev = st.st_dev;
		conns[slot].ino = st.st_ino;
		conns[slot].state = C_READ;
		conns[slot].minor = 1;
		conns[slot].deadline = now_ns() + (int64_t)CPROF_HTTP_READ_MS_MAX * 1000000;
	}
}

/* Once per round: the listening socket may have been closed (and its number reused). */
static bool listener_ok(void)
{
	if (listen_fd < 0 || atomic_load(&stopping))
		return false;
	if (still_ours(listen_fd, listen_dev, listen_ino))
		return true;
	log_warn("the program closed the /debug/pprof/ server's socket; no longer serving");
	listen_fd = -1;
	return false;
}

static void *loop_main(void *arg)
{
	struct pollfd pfd[CPROF_HTTP_CONNS_MAX + 1];
	int slot_of[CPROF_HTTP_CONNS_MAX + 1];
	int64_t busy_since = 0;

	cprof_tls.in_cprof = 1;
	threads_exclude_self();
	prctl(PR_SET_NAME, "cprof-http", 0, 0, 0);
	while (!atomic_load(&stopping)) {
		int64_t now = now_ns(), next = now + 1000000000;
		bool listening = listener_ok(), busy = false;
		nfds_t n = 0;

		if (listening) {
			slot_of[n] = -1;
			pfd[n++] = (struct pollfd){ listen_fd, POLLIN, 0 };
		}
		for (int i = 0; i < CPROF_HTTP_CONNS_MAX; i++) {
			struct conn *c = &conns[i];
			short ev = c->state == C_READ ? POLLIN : c->state == C_WAIT ? POLLIN | POLLRDHUP :
				   c->state == C_WRITE ? POLLOUT : 0;

			busy |= c->state == C_BUSY;
			if (c->state == C_FREE || c->fd < 0)
				continue;
			if (c->state != C_BUSY && c->deadline < next)
				next = c->deadline;
			slot_of[n] = i;
			pfd[n++] = (struct pollfd){ c->fd, ev, 0 };
		}
		/*
		 * Workers do not wake the loop (a descriptor for it could be the program's, if
		 * the program closed it and reused the number): while jobs are out it looks
		 * again after an eighth of the time they have been out, between 1 and 10 ms,
		 * so that a short answer goes out about 1 ms after it is ready and a long one
		 * (profile?seconds=30) costs about 100 wake-ups a second.
		 */
		if (!busy)
			busy_since = 0;
		else if (!busy_since)
			busy_since = now;
		if (busy) {
			int64_t look = (now - busy_since) / 8;

			look = look < 1000000 ? 1000000 : look > 10000000 ? 10000000 : look;
			if (next > now + look)
				next = now + look;
		}
		/* A deadline may have passed since the last round: then do not wait at all. */
		if (poll(pfd, n, next > now ? (int)((next - now + 999999) / 1000000) : 0) < 0 &&
		    errno != EINTR)
			continue;
		take_done();
		for (nfds_t k = 0; k < n; k++) {
			struct conn *c;

			if (!pfd[k].revents)
				continue;
			if (slot_of[k] < 0) {
				if (listener_ok())
					accept_all();
				continue;
			}
			c = &conns[slot_of[k]];
			if (c->fd != pfd[k].fd)
				continue;	/* freed by a job that came back in this round */
			if (pfd[k].revents & POLLNVAL) {
				/* Closed behind the server's back: the number is not its any more. */
				c->fd = -1;
				c->gone = true;
				if (c->state != C_BUSY && c->state != C_WAIT)
					conn_free(c);
				else if (c->state == C_WAIT) {
					c->state = C_BUSY;
					job_push(todo, &n_todo, slot_of[k], J_CANCEL);
				}
			} else if (c->state == C_READ) {
				read_some(c, slot_of[k]);
			} else if (c->state == C_WRITE) {
				write_some(c);
			} else if (c->state == C_WAIT && client_gone(c)) {
				c->gone = true;
				c->state = C_BUSY;
				job_push(todo, &n_todo, slot_of[k], J_CANCEL);
			} else if (c->state == C_BUSY && (pfd[k].revents & (POLLHUP | POLLERR))) {
				/* Nothing more will be sent to it; its exchange ends when it returns. */
				c->gone = true;
				if (still_ours(c->fd, c->dev, c->ino))
					close(c->fd);
				c->fd = -1;
			}
		}
		now = now_ns();
		for (int i = 0; i < CPROF_HTTP_CONNS_MAX; i++) {
			struct conn *c = &conns[i];

			if (c->state == C_FREE || c->state == C_BUSY || c->deadline > now)
				continue;
			if (c->state == C_WAIT) {
				c->state = C_BUSY;
				job_push(todo, &n_todo, i, J_RESUME);
			} else {
				/* Too slow to send its request, or to read its answer. */
				conn_free(c);
			}
		}
	}
	return NULL;
}

static int spawn(void *(*fn)(void *))
{
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all;
	int rc;

	sigfillset(&all);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	pthread_attr_setsigmask_np(&attr, &all);
	rc = real_pthread_create(&th, &attr, fn, NULL);
	pthread_attr_destroy(&attr);
	return -rc;
}

int http_start(const char *addr, bool public, http_handler serve)
{
	char name[160], line[200];
	struct stat st;
	int rc;

	for (int i = 0; i < CPROF_HTTP_CONNS_MAX; i++)
		conns[i].fd = -1;
	handler = serve;
	listen_fd = listen_on(addr, public, name, sizeof(name));
	if (listen_fd < 0)
		return listen_fd;
	if (fstat(listen_fd, &st) < 0) {
		rc = -errno;
		goto fail;
	}
	listen_dev = st.st_dev;
	listen_ino = st.st_ino;
	for (int i = 0; i < WORKERS; i++) {
		rc = spawn(worker_main);
		if (rc < 0)
			goto fail;
	}
	rc = spawn(loop_main);
	if (rc < 0)
		goto fail;
	snprintf(line, sizeof(line), "http %s", name);
	log_handshake_sig(line);
	return 0;
fail:
	/* Workers already started just wait for jobs that never come. */
	log_warn("cannot serve http on '%s': cannot start a thread: %s", addr, strerror(-rc));
	http_stop();
	return rc;
}

void http_stop(void)
{
	struct stat st;

	atomic_store(&stopping, true);
	/* Idle workers wake up and end; the loop ends within a second (its poll's limit). */
	real_mutex_lock(&jobs_lock);
	pthread_cond_broadcast(&jobs_cond);
	real_mutex_unlock(&jobs_lock);
	/* The loop may be in poll on it: shut it down rather than reuse its number. */
	if (still_ours(listen_fd, listen_dev, listen_ino))
		shutdown(listen_fd, SHUT_RDWR);
	if (unix_path[0] && stat(unix_path, &st) == 0 && st.st_ino == unix_ino)
		unlink(unix_path);
	unix_path[0] = 0;
}

void http_fork_child(void)
{
	/* The workers are gone; one may have held the queue's lock. */
	pthread_mutex_init(&jobs_lock, NULL);
	pthread_cond_init(&jobs_cond, NULL);
	if (still_ours(listen_fd, listen_dev, listen_ino))
		close(listen_fd);
	listen_fd = -1;
	unix_path[0] = 0;
	/* The threads are gone; their exchanges leak (cancelling them could touch locks). */
	for (int i = 0; i < CPROF_HTTP_CONNS_MAX; i++)
		if (still_ours(conns[i].fd, conns[i].dev, conns[i].ino)) {
			close(conns[i].fd);
			conns[i].fd = -1;
		}
}

bool http_form_value(const struct http_request *req, const char *key, char *out, size_t max)
{
	if (req->form && httpreq_form_value(req->body, req->body_len, key, out, max))
		return true;
	return httpreq_form_value(req->query, req->query_len, key, out, max);
}
