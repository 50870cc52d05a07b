/*
 * signame.h: the dump signal's name as -signal and CPROF_SIGNAL take it, shared by the
 * launcher (which refuses a bad one before the program runs) and the library (which falls
 * back to SIGUSR2). Normal context.
 */
#ifndef CPROF_SIGNAME_H
#define CPROF_SIGNAME_H

#include <stddef.h>

/*
 * Parses a signal: a number (12), a name with or without "SIG" in any case (USR2,
 * SIGUSR2, sigusr2), or a real-time signal as RTMIN, RTMIN+N, RTMAX, RTMAX-N. Returns the
 * signal number, or -EINVAL when s names no signal.
 */
int signame_parse(const char *s);

/*
 * Why sig cannot be the dump signal (a static string: "it cannot be caught", ...), or
 * NULL when it can.
 */
const char *signame_refused(int sig);

/* sig's name with "SIG" ("SIGUSR2", "SIGRTMIN+3") into buf; returns buf. */
const char *signame_name(int sig, char *buf, size_t size);

#endif
