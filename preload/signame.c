/*
 * signame.c: signal names for -signal and CPROF_SIGNAL (signame.h). glibc's own table
 * (sigabbrev_np) names the standard signals; real-time ones are counted from SIGRTMIN and
 * SIGRTMAX, which glibc decides at run time (it keeps the first few for itself).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signame.h"

/* A decimal number from s to its end, in [0, max]; -1 otherwise. */
static int number(const char *s, int max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return (int)v;
}

int signame_parse(const char *s)
{
	int n = number(s, INT_MAX);

	if (n >= 0)
		return n >= 1 && n < NSIG ? n : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && strcasecmp(s, name) == 0)
			return sig;
	}
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		n = s[5] == '\0' ? 0 : s[5] == '+' ? number(s + 6, SIGRTMAX - SIGRTMIN) : -1;
		return n >= 0 ? SIGRTMIN + n : -EINVAL;
	}
	if (strncasecmp(s, "RTMAX", 5) == 0) {
		n = s[5] == '\0' ? 0 : s[5] == '-' ? number(s + 6, SIGRTMAX - SIGRTMIN) : -1;
		return n >= 0 ? SIGRTMAX - n : -EINVAL;
	}
	return -EINVAL;
}

const char *signame_refused(int sig)
{
	switch (sig) {
	case SIGKILL:
	case SIGSTOP:
		return "it cannot be caught";
	case SIGPROF:
		return "cprof's CPU profiler uses it";
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
	case SIGSYS:
		return "the kernel sends it for faults";
	case SIGABRT:
		return "abort() raises it";
	case SIGCHLD:
	case SIGCONT:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return "the kernel's job control and child reaping depend on it";
	}
	if (sig < 1 || sig >= NSIG)
		return "there is no such signal";
	if (sig < SIGRTMIN && !sigabbrev_np(sig))
		return "the C library keeps it for itself";
	return NULL;
}

const char *signame_name(int sig, char *buf, size_t size)
{
	const char *name = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

	if (name)
		snprintf(buf, size, "SIG%s", name);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "signal %d", sig);
	return buf;
}
