/*
 * hreq: a raw HTTP client for the 7xxx tests, for what curl will not send: it connects
 * to ADDR (HOST:PORT or unix:PATH), sends the bytes of stdin as they are (optionally one
 * byte every -d milliseconds, or only the first -p bytes), then prints everything the
 * server sends until it closes the connection, and says how that went on stderr.
 *
 *   hreq [-d MS] [-p BYTES] [-s] [-t MS] ADDR < request
 *     -d MS     wait MS milliseconds before each byte (a slow client)
 *     -p BYTES  send only the first BYTES bytes, then wait for the server (a partial request)
 *     -s        shut down the sending side once everything is sent (end of file)
 *     -t MS     give up after MS milliseconds in all (default 30000)
 * Exit status: 0 the server closed the connection (its answer, if any, on stdout); 2 the
 * time ran out with the connection still open; 1 could not connect or another error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int dial(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;

		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", addr + 5);
		len = sizeof(*un);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		const char *colon = strrchr(addr, ':');
		char host[64];

		if (!colon || (size_t)(colon - addr) >= sizeof(host))
			return -1;
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = 0;
		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -1;
		len = sizeof(*in);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
		return -1;
	return fd;
}

int main(int argc, char **argv)
{
	long delay = 0, timeout = 30000, partial = -1;
	bool shut = false, shut_done = false;
	char *req = NULL, buf[65536];
	size_t len = 0, cap = 0, sent = 0;
	long long end;
	int opt, fd;
	bool closed = false;

	while ((opt = getopt(argc, argv, "d:p:st:")) != -1) {
		if (opt == 's')
			shut = true;
		else if (opt == 'd')
			delay = atol(optarg);
		else if (opt == 'p')
			partial = atol(optarg);
		else if (opt == 't')
			timeout = atol(optarg);
		else
			return 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: hreq [-d MS] [-p BYTES] [-s] [-t MS] ADDR < request\n");
		return 1;
	}
	for (;;) {
		size_t n;

		if (len == cap && !(req = realloc(req, cap = cap ? 2 * cap : 65536)))
			return 1;
		n = fread(req + len, 1, cap - len, stdin);
		if (!n)
			break;
		len += n;
	}
	if (partial >= 0 && (size_t)partial < len)
		len = (size_t)partial;
	fd = dial(argv[optind]);
	if (fd < 0) {
		fprintf(stderr, "hreq: cannot connect to %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	end = now_ms() + timeout;
	while (!closed && now_ms() < end) {
		long long next_byte = delay ? now_ms() + delay : now_ms();
		struct pollfd p = { fd, POLLIN, 0 };
		int wait = (int)(end - now_ms());

		if (sent < len) {
			if (!delay) {
				ssize_t n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);

				if (n < 0) {
					fprintf(stderr, "hreq: send: %s\n", strerror(errno));
					sent = len;
				} else {
					sent += (size_t)n;
				}
				continue;
			}
			wait = (int)(next_byte - now_ms());
		}
		if (sent == len && shut && !shut_done) {
			shutdown(fd, SHUT_WR);
			shut_done = true;
		}
		if (wait < 0)
			wait = 0;
		if (poll(&p, 1, wait) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);

			if (n <= 0) {
				closed = true;
				break;
			}
			fwrite(buf, 1, (size_t)n, stdout);
			continue;
		}
		if (sent < len && delay && send(fd, req + sent, 1, MSG_NOSIGNAL) == 1)
			sent++;
		else if (sent < len && delay)
			sent = len;
	}
	fflush(stdout);
	fprintf(stderr, "hreq: sent %zu of %zu bytes; %s\n", sent, len,
		closed ? "the server closed the connection" : "timed out with the connection open");
	close(fd);
	free(req);
	return closed ? 0 : 2;
}
