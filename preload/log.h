/*
 * log.h: the "cprof: " messages on the program's stderr, and the handshake lines to the
 * launcher. Messages go to fd 2 only while it is still the file it was at start-up, so a
 * program that closes stderr and reuses fd 2 for its own data never sees our text in it.
 */
#ifndef CPROF_LOG_H
#define CPROF_LOG_H

#include "common.h"

/* Remembers which file fd 2 is. Call first, before anything may log. */
void log_init(void);

/*
 * The launcher's handshake socket, from CPROF_HANDSHAKE_FD ("fd:inode"). A process that
 * is profiled keeps it, open across exec (the new image of the same process reports
 * too); a dormant one closes it. Either way only after checking that the fd still is
 * that socket: a program may have closed it and reused the number for a file of its own.
 * Returns true when the socket was found.
 */
bool log_handshake_open(const char *spec, bool keep);

/* The handshake socket's fd, or -1. */
int log_handshake_fd(void);

/*
 * Writes "cprof: " + msg + "\n" with one write(2). Never allocates, never locks.
 * Signal context: yes.
 */
void log_write_sig(const char *msg);

/*
 * Formats and prints "cprof: <message>\n" at most once per distinct message text.
 * Normal context only (vsnprintf).
 */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Sends one line (without the newline) to the launcher over its socket, if it is
 * listening; lines longer than PIPE_BUF are not sent. Never blocks, never raises SIGPIPE.
 * Signal context: yes.
 */
void log_handshake_sig(const char *line);

/* Copies src after dst's current string, bounded by size. Returns dst. Signal context: yes. */
char *log_cat_sig(char *dst, size_t size, const char *src);
/* Appends the decimal form of v. Returns dst. Signal context: yes. */
char *log_cat_u64_sig(char *dst, size_t size, uint64_t v);

#endif
