/*
 * sigs.h: signals cprof handles itself (SIGPROF for the CPU timers, the dump signal)
 * while the program may want them too. cprof's handler stays installed in the kernel;
 * the program's sigaction/signal calls for such a signal are recorded instead, and every
 * signal that is not cprof's own goes to the program's disposition, as if cprof were not
 * there (mask, flags, default action and all).
 */
#ifndef CPROF_SIGS_H
#define CPROF_SIGS_H

#include <signal.h>
#include <stdbool.h>

/*
 * The callback returns true when the signal was cprof's and has been handled.
 * Signal context: yes.
 */
typedef bool (*sigs_fn)(int sig, siginfo_t *si, void *uc);

/*
 * Takes over sig: the current disposition becomes the program's, cprof's handler is
 * installed with SA_RESTART. A handler the program had already installed is reported
 * once. Normal context. 0 or -errno.
 */
int sigs_own(int sig, sigs_fn fn, const char *why);

/*
 * Like sigs_own, for a signal both cprof and the program answer (the dump signal): every
 * delivery calls fn (its return value is ignored) and then the program's handler, if it
 * installed one; when the program has none (SIG_DFL, SIG_IGN), the signal is cprof's
 * alone and its default action never happens. Normal context. 0 or -errno.
 */
int sigs_share(int sig, sigs_fn fn, const char *why);

/* True if cprof's handler is still the kernel's disposition for sig (nobody bypassed us). */
bool sigs_still_ours(int sig);

#endif
