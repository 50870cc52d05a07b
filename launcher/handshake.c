/*
 * handshake.c: reads and parses the library's handshake lines (format in handshake.h).
 * Nothing here prints; unknown and malformed lines are dropped without a word, because
 * the program's own output must stay the only thing on the terminal while it runs.
 */
#include "handshake.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void handshake_init(struct handshake *h)
{
	memset(h, 0, sizeof(*h));
}

static void parse_hello(struct handshake *h, const char *args)
{
	char *end;
	long pid = strtol(args, &end, 10);

	if (end == args || *end != ' ' || h->hello)
		return;
	h->hello = true;
	h->hello_pid = (pid_t)pid;
	end++;
	strncpy(h->version, end, sizeof(h->version) - 1);
	h->version[strcspn(h->version, " ")] = '\0';
}

static int parse_profile(struct handshake *h, const char *args)
{
	const char *sp = strchr(args, ' ');
	struct handshake_profile *p;
	char *kind;

	if (!sp || sp == args || sp[1] != '/')
		return 0;
	kind = strndup(args, (size_t)(sp - args));
	if (!kind)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_profiles; i++) {
		if (strcmp(h->profiles[i].path, sp + 1) == 0) {
			free(h->profiles[i].kind);
			h->profiles[i].kind = kind;
			return 0;
		}
	}
	if (h->n_profiles == h->cap_profiles) {
		size_t cap = h->cap_profiles ? 2 * h->cap_profiles : 8;

		p = realloc(h->profiles, cap * sizeof(*p));
		if (!p)
			goto out_kind;
		h->profiles = p;
		h->cap_profiles = cap;
	}
	p = &h->profiles[h->n_profiles];
	p->path = strdup(sp + 1);
	if (!p->path)
		goto out_kind;
	p->kind = kind;
	h->n_profiles++;
	return 0;
out_kind:
	free(kind);
	return -ENOMEM;
}

static int parse_line(struct handshake *h, const char *line)
{
	if (strncmp(line, "hello ", 6) == 0)
		parse_hello(h, line + 6);
	else if (strncmp(line, "profile ", 8) == 0)
		return parse_profile(h, line + 8);
	else if (strncmp(line, "http ", 5) == 0 && line[5] && strlen(line + 5) < sizeof(h->http)) {
		strcpy(h->http, line + 5);
		h->http_new = true;
	}
	return 0;
}

static int feed(struct handshake *h, const char *data, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		char c = data[i];

		if (c == '\n') {
			if (!h->overlong) {
				h->line[h->n_line] = '\0';
				if (parse_line(h, h->line) != 0)
					err = -ENOMEM;
			}
			h->n_line = 0;
			h->overlong = false;
		} else if (h->n_line + 1 < sizeof(h->line)) {
			h->line[h->n_line++] = c;
		} else {
			h->overlong = true;
		}
	}
	return err;
}

int handshake_read(struct handshake *h, int fd, size_t max_bytes)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	do {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			feed(h, buf, (size_t)n);
			total += (size_t)n;
		}
	} while ((n > 0 && total < max_bytes) || (n < 0 && errno == EINTR));
	if (total > 0)
		return 1;
	if (n == 0)
		return 0;
	return -errno;
}

void handshake_free(struct handshake *h)
{
	for (size_t i = 0; i < h->n_profiles; i++) {
		free(h->profiles[i].kind);
		free(h->profiles[i].path);
	}
	free(h->profiles);
	h->profiles = NULL;
	h->n_profiles = h->cap_profiles = 0;
}
