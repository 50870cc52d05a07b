/*
 * sigs.c: sharing signals with the program. For a signal cprof owns, the kernel always
 * runs sigs' handler; the program's sigaction() and signal() calls for it are recorded
 * (and answered) here instead of reaching the kernel, and a signal that is not cprof's
 * own is passed to the recorded disposition with its mask and flags applied, or gets
 * the default action. A shared signal (sigs_share) goes to both, every time. The
 * interposed functions are async-signal-safe, as sigaction is.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"
#include "log.h"
#include "real.h"
#include "sigs.h"

struct owned {
	_Atomic bool owned;
	bool shared;		/* sigs_share: cprof and the program's handler both run */
	sigs_fn fn;
	const char *why;
	_Atomic unsigned seq;	/* odd while prog is being written */
	_Atomic int writer;
	_Atomic bool told;
	int kernel_flags;	/* the flags cprof's handler is installed with */
	struct sigaction prog;	/* the disposition the program believes it has */
};

static struct owned own[NSIG];

static void handler_sig(int sig, siginfo_t *si, void *uc);
static int install_sig(int sig);
static void read_prog_sig(struct owned *o, struct sigaction *out);


static int take(int sig, sigs_fn fn, const char *why, bool shared)
{
	struct owned *o;
	int rc;

	if (sig <= 0 || sig >= NSIG)
		return -EINVAL;
	o = &own[sig];
	if (real_sigaction(sig, NULL, &o->prog) < 0)
		return -errno;
	o->fn = fn;
	o->why = why;
	o->shared = shared;
	rc = install_sig(sig);
	if (rc < 0)
		return rc;
	atomic_store(&o->owned, true);
	if (o->prog.sa_handler != SIG_DFL && o->prog.sa_handler != SIG_IGN) {
		atomic_store(&o->told, true);
		if (shared)
			log_warn("signal %d (%s) already had a handler; cprof also uses it for %s, "
				 "and the program's handler still gets every such signal", sig,
				 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", why);
		else
			log_warn("signal %d (%s) already had a handler; cprof uses it for %s and "
				 "passes the program every such signal that is not cprof's own", sig,
				 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", why);
	}
	return 0;
}

int sigs_own(int sig, sigs_fn fn, const char *why)
{
	return take(sig, fn, why, false);
}

int sigs_share(int sig, sigs_fn fn, const char *why)
{
	return take(sig, fn, why, true);
}

bool sigs_still_ours(int sig)
{
	struct sigaction cur;

	return real_sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == handler_sig;
}

/* --- signal context --- */

/*
 * The flags cprof's handler needs in the kernel for what the program asked. SA_ONSTACK
 * once the program wants its handler on the alternate stack (it never goes back: a
 * signal cprof handles on the thread's stack may be one the program set the alternate
 * stack up for). SA_RESTART for the signals cprof owns, whose deliveries are mostly its
 * own and must not interrupt the program's system calls; for a shared signal (the dump
 * signal), what the program's handler asked, so that a program that uses the signal to
 * interrupt a blocking call still sees EINTR.
 */
static int wanted_flags_sig(const struct owned *o, const struct sigaction *prog)
{
	int f = SA_SIGINFO | SA_RESTART | ((o->kernel_flags | prog->sa_flags) & SA_ONSTACK);

	if (o->shared && prog->sa_handler != SIG_DFL && prog->sa_handler != SIG_IGN &&
	    !(prog->sa_flags & SA_RESTART))
		f &= ~SA_RESTART;
	return f;
}

/* Installs cprof's handler for sig in the kernel. Signal context: yes. */
static int install_sig(int sig)
{
	struct sigaction sa, prog;

	read_prog_sig(&own[sig], &prog);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler_sig;
	sa.sa_flags = wanted_flags_sig(&own[sig], &prog);
	sigemptyset(&sa.sa_mask);
	if (real_sigaction(sig, &sa, NULL) < 0)
		return -errno;
	own[sig].kernel_flags = sa.sa_flags;
	return 0;
}

static void read_prog_sig(struct owned *o, struct sigaction *out)
{
	for (int tries = 0; tries < 1000; tries++) {
		unsigned s = atomic_load_explicit(&o->seq, memory_order_acquire);

		if (s & 1)
			continue;
		memcpy(out, &o->prog, sizeof(*out));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&o->seq, memory_order_relaxed) == s)
			return;
	}
	memcpy(out, &o->prog, sizeof(*out));
}

static void write_prog_sig(struct owned *o, const struct sigaction *act)
{
	/* Writers are rare; a bounded spin keeps a handler that interrupts one from hanging. */
	for (int spins = 0; atomic_exchange(&o->writer, 1) && spins < 10000; spins++)
		sched_yield();
	atomic_fetch_add_explicit(&o->seq, 1, memory_order_acq_rel);
	memcpy(&o->prog, act, sizeof(*act));
	atomic_fetch_add_explicit(&o->seq, 1, memory_order_release);
	atomic_store(&o->writer, 0);
}

static void tell_once_sig(int sig, struct owned *o)
{
	char msg[160];

	if (atomic_exchange(&o->told, true))
		return;
	msg[0] = 0;
	log_cat_sig(msg, sizeof(msg), "the program installed its own handler for signal ");
	log_cat_u64_sig(msg, sizeof(msg), (uint64_t)sig);
	if (o->shared) {
		log_cat_sig(msg, sizeof(msg), "; cprof also uses it for ");
		log_cat_sig(msg, sizeof(msg), o->why);
		log_cat_sig(msg, sizeof(msg), ", and the program's handler still gets every such signal");
	} else {
		log_cat_sig(msg, sizeof(msg), "; cprof keeps it for ");
		log_cat_sig(msg, sizeof(msg), o->why);
		log_cat_sig(msg, sizeof(msg), " and passes the program every such signal that is not its own");
	}
	log_write_sig(msg);
}

/* The default action of the signals cprof owns is to terminate: let the kernel do it. */
static void default_action_sig(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	real_sigaction(sig, &dfl, NULL);
	/* Delivered when this handler returns and the signal is unblocked again. */
	syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
}

static void chain_sig(int sig, siginfo_t *si, void *uc)
{
	struct owned *o = &own[sig];
	struct sigaction p;
	sigset_t old;

	read_prog_sig(o, &p);
	if (p.sa_handler == SIG_IGN)
		return;
	if (p.sa_handler == SIG_DFL) {
		/* A shared signal is cprof's alone when the program has no handler. */
		if (!o->shared)
			default_action_sig(sig);
		return;
	}
	if (p.sa_flags & SA_RESETHAND) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		write_prog_sig(o, &dfl);
		if (wanted_flags_sig(o, &dfl) != o->kernel_flags)
			install_sig(sig);
	}
	pthread_sigmask(SIG_BLOCK, &p.sa_mask, &old);
	if (p.sa_flags & SA_NODEFER) {
		sigset_t self;

		sigemptyset(&self);
		sigaddset(&self, sig);
		pthread_sigmask(SIG_UNBLOCK, &self, NULL);
	}
	if (p.sa_flags & SA_SIGINFO)
		p.sa_sigaction(sig, si, uc);
	else
		p.sa_handler(sig);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void handler_sig(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct owned *o = &own[sig];

	if (o->shared) {
		if (o->fn)
			o->fn(sig, si, uc);
		chain_sig(sig, si, uc);
	} else if (!(o->fn && o->fn(sig, si, uc))) {
		chain_sig(sig, si, uc);
	}
	errno = saved;
}

CPROF_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev;
	struct owned *o;

	if (!real_sigaction && real_init() < 0) {
		errno = ENOSYS;
		return -1;
	}
	if (sig <= 0 || sig >= NSIG || !atomic_load(&own[sig].owned))
		return real_sigaction(sig, act, old);
	o = &own[sig];
	read_prog_sig(o, &prev);
	if (act) {
		write_prog_sig(o, act);
		if (act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN)
			tell_once_sig(sig, o);
		if (wanted_flags_sig(o, act) != o->kernel_flags)
			install_sig(sig);
	}
	if (old)
		*old = prev;
	return 0;
}

/* signal() and bsd_signal() as glibc defines them: BSD semantics, SA_RESTART. */
static __sighandler_t bsd_signal_sig(int sig, __sighandler_t h, int flags)
{
	struct sigaction act, old;

	if (h == SIG_ERR || sig <= 0 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = h;
	sigemptyset(&act.sa_mask);
	if (!(flags & SA_NODEFER))
		sigaddset(&act.sa_mask, sig);
	act.sa_flags = flags;
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

CPROF_EXPORT __sighandler_t signal(int sig, __sighandler_t h)
{
	return bsd_signal_sig(sig, h, SA_RESTART);
}

CPROF_EXPORT __sighandler_t bsd_signal(int sig, __sighandler_t h)
{
	return bsd_signal_sig(sig, h, SA_RESTART);
}

CPROF_EXPORT __sighandler_t sysv_signal(int sig, __sighandler_t h)
{
	return bsd_signal_sig(sig, h, SA_RESETHAND | SA_NODEFER);
}
