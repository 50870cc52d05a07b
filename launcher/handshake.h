/*
 * handshake.h: what libcprof.so tells the launcher through the stream socket (a pipe
 * would do) whose other end it finds in CPROF_HANDSHAKE_FD. The launcher reads it while
 * the program runs and drains it, without blocking, once the program has been reaped
 * (descendants may hold the other end open for ever). Parsing only; report.c decides
 * what to say.
 *
 * Wire format: text, one line per write(2) or send(2), each ending in '\n':
 *   hello <pid> <version>          the library initialised in process <pid>
 *   http <address>                 the library serves /debug/pprof/ there (127.0.0.1:6060,
 *                                  [::1]:6060 or unix:/path; the real port when 0 was asked)
 *   profile <kind> <absolute path> a profile was renamed into place; kind is cpu, heap,
 *                                  allocs, mutex, block, threads, threadcreate or a custom
 *                                  name; the path runs to the end of the line (heap
 *                                  snapshots: "profile heap /abs/heap.prof.1")
 * Lines of another type, and lines longer than HANDSHAKE_LINE_MAX, are ignored, so that
 * a newer library can talk to an older launcher.
 */
#ifndef CPROF_LAUNCHER_HANDSHAKE_H
#define CPROF_LAUNCHER_HANDSHAKE_H

#include <linux/limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HANDSHAKE_LINE_MAX (PATH_MAX + 128)

struct handshake_profile {
	char *kind;
	char *path;		/* absolute, as the library wrote it */
};

struct handshake {
	bool hello;		/* a hello line arrived */
	pid_t hello_pid;	/* from the first hello */
	char version[32];	/* from the first hello */
	char http[256];		/* from the last http line, "" if none */
	bool http_new;		/* an http line arrived that the caller has not shown */
	struct handshake_profile *profiles;	/* in order of arrival, one per path */
	size_t n_profiles, cap_profiles;
	char line[HANDSHAKE_LINE_MAX];	/* a line not yet complete */
	size_t n_line;
	bool overlong;		/* discarding up to the next '\n' */
};

/* Prepares h, which the caller owns (it may be on the stack). */
void handshake_init(struct handshake *h);

/*
 * Reads what fd (non-blocking) holds now, at most about max_bytes, and parses it; lines
 * may be split across reads. A profile line for a path already seen replaces that
 * entry's kind; a line that finds no memory is lost.
 * Returns 1 when data was read, 0 at end of file (every writer's end closed), -EAGAIN
 * when there is nothing to read, or another negative errno.
 */
int handshake_read(struct handshake *h, int fd, size_t max_bytes);

/* Frees what h holds; h can be used again after handshake_init. */
void handshake_free(struct handshake *h);

#endif
