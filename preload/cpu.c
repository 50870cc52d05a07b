/*
 * cpu.c: per-thread CPU-time timers and the SIGPROF sample handler. Timers are created
 * with the raw timer_create system call on each thread's CPU clock, so a thread can arm
 * one for another (threads found in /proc/self/task). The handler unwinds from the
 * signal's ucontext and adds (stack, thread) samples to a lock-free record table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "real.h"
#include "cpu.h"
#include "dump.h"
#include "env.h"
#include "labels.h"
#include "limits.h"
#include "log.h"
#include "sigs.h"
#include "stacks.h"
#include "threads.h"
#include "unwind.h"

struct cpu_state cpu;

static _Atomic bool running;
static _Atomic int in_handler;
/* Windows open (cpu_window_begin): the sampler runs while there are any. */
static pthread_mutex_t windows_lock = PTHREAD_MUTEX_INITIALIZER;
static int windows_open;
static const int timer_signal = SIGPROF;

static int64_t now_ns_sig(clockid_t clk);
static void next_interval_sig(struct thread *t, struct itimerspec *its);


/* The CPU-time clock of any thread of this process (the kernel's MAKE_THREAD_CPUCLOCK). */
static clockid_t thread_cpu_clock(pid_t tid)
{
	return (clockid_t)((~(unsigned)tid << 3) | 4 /* per-thread */ | 2 /* sched */);
}


void cpu_thread_start(struct thread *t)
{
	struct sigevent sev;
	struct itimerspec its;
	int id;

	if (!atomic_load(&running) || t->timer >= 0)
		return;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = timer_signal;
	sev._sigev_un._tid = t->tid;
	/*
	 * The signal carries the slot: the handler needs no TLS to find its thread (a thread
	 * started with raw clone may share its creator's TLS), and tells cprof's timers from
	 * the program's by the pointer.
	 */
	sev.sigev_value.sival_ptr = t;
	if (syscall(SYS_timer_create, thread_cpu_clock(t->tid), &sev, &id) < 0) {
		/* ESRCH / EINVAL: the thread exited meanwhile. */
		if (errno != ESRCH && errno != EINVAL)
			log_warn("cannot create a CPU timer for thread %d: %s", (int)t->tid,
				 strerror(errno));
		return;
	}
	t->cpu_ns_last = now_ns_sig(thread_cpu_clock(t->tid));
	t->rng = ((uint64_t)t->tid << 32 | (uint64_t)t->tid) ^ (uint64_t)now_ns_sig(CLOCK_MONOTONIC);
	t->rng |= 1;
	t->late_ns = 0;
	next_interval_sig(t, &its);
	/*
	 * Known before it can fire: the first expiry, on the thread itself while this one may
	 * be preempted, would otherwise be taken for a stale timer's and never re-armed.
	 */
	atomic_store(&t->timer, id);
	if (syscall(SYS_timer_settime, id, 0, &its, NULL) < 0) {
		log_warn("cannot arm a CPU timer for thread %d: %s", (int)t->tid, strerror(errno));
		atomic_store(&t->timer, -1);
		syscall(SYS_timer_delete, id);
	}
}

void cpu_thread_stop(struct thread *t)
{
	if (t->timer >= 0) {
		syscall(SYS_timer_delete, t->timer);
		t->timer = -1;
	}
}

static void arm(struct thread *t, void *arg)
{
	cpu_thread_start(t);
}

static void disarm(struct thread *t, void *arg)
{
	cpu_thread_stop(t);
}

static pthread_mutex_t prepare_lock = PTHREAD_MUTEX_INITIALIZER;

int cpu_prepare(void)
{
	static bool owned;
	int rc = 0;

	real_mutex_lock(&prepare_lock);
	if (!cpu.records.index)
		rc = records_init(&cpu.records, CPROF_RECORDS_MAX);
	cpu.period_ns = 1000000000 / env.hz;
	/* Once only: a second sigs_own would take cprof's own handler for the program's. */
	if (rc == 0 && !owned) {
		rc = sigs_own(timer_signal, cpu_signal_sig, "CPU profiling");
		owned = rc == 0;
	}
	real_mutex_unlock(&prepare_lock);
	return rc;
}

int cpu_start(void)
{
	int rc = cpu_prepare();

	if (rc < 0)
		return rc;
	cpu.start_realtime_ns = now_ns_sig(CLOCK_REALTIME);
	cpu.start_monotonic_ns = now_ns_sig(CLOCK_MONOTONIC);
	atomic_store(&running, true);
	threads_foreach(arm, NULL);
	return 0;
}

void cpu_stop(void)
{
	if (!atomic_exchange(&running, false))
		return;
	threads_foreach(disarm, NULL);
	/* A signal already queued may still arrive; it finds running false. */
	for (int spins = 0; atomic_load(&in_handler) && spins < 100000; spins++)
		sched_yield();
}

static int cpu_sample(void *arg, const struct records_key *k, const int64_t *raw,
		      int64_t *values, struct dump_label *labels, char *scratch)
{
	values[0] = raw[0];	/* samples */
	values[1] = raw[1];	/* CPU nanoseconds they stand for */
	return 0;
}

/*
 * Describes the CPU profile of a window into *k: signals, cpu_ns and lost[] are what
 * the window holds; comment (256 bytes) may be used.
 */
static void describe(struct dump_kind *k, int64_t signals, int64_t cpu_ns, const int64_t *lost,
		     char *comment)
{
	int64_t period = cpu.period_ns, effective = period;

	memset(k, 0, sizeof(*k));
	k->kind = "cpu";
	k->types[0] = "samples";
	k->types[1] = "count";
	k->types[2] = "cpu";
	k->types[3] = "nanoseconds";
	k->period_type = "cpu";
	k->period_unit = "nanoseconds";
	k->thread_labels = true;
	k->records = &cpu.records;
	k->sample = cpu_sample;
	k->lost = lost[0] ? lost : NULL;
	/* The kernel may fire CPU timers only at its tick: the period says what it did. */
	if (signals > 0 && cpu_ns > 0)
		effective = cpu_ns / signals;
	k->period = effective;
	if (effective > period + period / 10) {
		snprintf(comment, 256,
			 "cprof: %lld Hz requested, %lld samples/s delivered by the kernel; "
			 "CPU time includes the intervals between them",
			 (long long)(1000000000 / period), (long long)(1000000000 / effective));
		k->comment = comment;
	}
}

int cpu_write_profile(const char *path)
{
	int64_t lost[2] = { atomic_load(&cpu.n_lost), atomic_load(&cpu.lost_cpu_ns) };
	char comment[256];
	struct dump_kind k;

	describe(&k, atomic_load(&cpu.n_signals), atomic_load(&cpu.cpu_ns), lost, comment);
	k.time_ns = cpu.start_realtime_ns;
	k.duration_ns = now_ns_sig(CLOCK_MONOTONIC) - cpu.start_monotonic_ns;
	return dump_profile(&k, path);
}

/* --- windows ------------------------------------------------------------------------------ */

struct cpu_window {
	struct dump_reading records;
	int64_t n_signals, cpu_ns, n_lost, lost_cpu_ns;
	int64_t realtime_ns, monotonic_ns;
};

static int take_reading(struct cpu_window *w)
{
	w->realtime_ns = now_ns_sig(CLOCK_REALTIME);
	w->monotonic_ns = now_ns_sig(CLOCK_MONOTONIC);
	w->n_signals = atomic_load(&cpu.n_signals);
	w->cpu_ns = atomic_load(&cpu.cpu_ns);
	w->n_lost = atomic_load(&cpu.n_lost);
	w->lost_cpu_ns = atomic_load(&cpu.lost_cpu_ns);
	return dump_read(&cpu.records, &w->records);
}

/* One window fewer; the sampler stops with the last one unless CPROF_CPU wants it. */
static void window_closed(void)
{
	real_mutex_lock(&windows_lock);
	if (--windows_open == 0 && !env.cpu_path)
		cpu_stop();
	real_mutex_unlock(&windows_lock);
}

int cpu_window_begin(struct cpu_window **out)
{
	struct cpu_window *w = calloc(1, sizeof(*w));
	int rc = 0;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	real_mutex_lock(&windows_lock);
	if (!atomic_load(&running))
		rc = cpu_start();
	if (rc == 0)
		windows_open++;
	real_mutex_unlock(&windows_lock);
	if (rc == 0 && take_reading(w) < 0) {
		window_closed();
		rc = -ENOMEM;
	}
	if (rc < 0) {
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

struct profile *cpu_window_end(struct cpu_window *w, struct cpu_window **next)
{
	struct cpu_window *now = calloc(1, sizeof(*now));
	struct profile *p = NULL;
	int64_t lost[2];
	char comment[256];
	struct dump_kind k;

	if (next)
		*next = NULL;
	if (!now || take_reading(now) < 0) {
		log_warn("cannot build the cpu profile: out of memory");
		goto out;
	}
	lost[0] = now->n_lost - w->n_lost;
	lost[1] = now->lost_cpu_ns - w->lost_cpu_ns;
	describe(&k, now->n_signals - w->n_signals, now->cpu_ns - w->cpu_ns, lost, comment);
	k.time_ns = w->realtime_ns;
	k.duration_ns = now->monotonic_ns - w->monotonic_ns;
	k.now = &now->records;
	k.base = &w->records;
	p = dump_build(&k);
out:
	if (next && now && now->records.v) {
		/* The next window takes over this one's place among the open windows. */
		*next = now;
		now = NULL;
	} else {
		window_closed();
	}
	if (now)
		dump_reading_free(&now->records);
	free(now);
	dump_reading_free(&w->records);
	free(w);
	return p;
}

void cpu_window_cancel(struct cpu_window *w)
{
	if (!w)
		return;
	window_closed();
	dump_reading_free(&w->records);
	free(w);
}

bool cpu_running(void)
{
	return atomic_load(&running);
}

void cpu_fork_child(void)
{
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_init(&prepare_lock, NULL);

	/* The parent's windows are not the child's: only CPROF_CPU keeps its sampler on. */
	windows_lock = fresh;
	windows_open = 0;
	if (!env.cpu_path)
		atomic_store(&running, false);
	records_clear(&cpu.records);
	atomic_store(&cpu.n_signals, 0);
	atomic_store(&cpu.cpu_ns, 0);
	atomic_store(&cpu.n_lost, 0);
	atomic_store(&cpu.lost_cpu_ns, 0);
	atomic_store(&in_handler, 0);
	cpu.start_realtime_ns = now_ns_sig(CLOCK_REALTIME);
	cpu.start_monotonic_ns = now_ns_sig(CLOCK_MONOTONIC);
}

/* --- signal context --- */

/* Signal context: yes (clock_gettime is async-signal-safe). */
static int64_t now_ns_sig(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A random interval in [period/2, 3*period/2), less the thread's average delivery delay:
 * the kernel fires CPU timers at its next tick, so without the correction every interval
 * would be half a tick longer than asked (100 Hz would give 84 samples/s at 250 Hz ticks).
 * Signal context: yes.
 */
static void next_interval_sig(struct thread *t, struct itimerspec *its)
{
	uint64_t x = t->rng;
	int64_t ns;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	ns = cpu.period_ns / 2 + (int64_t)(x % (uint64_t)cpu.period_ns);
	ns -= t->late_ns;
	if (ns < cpu.period_ns / 4)
		ns = cpu.period_ns / 4;
	t->armed_ns = ns;
	memset(its, 0, sizeof(*its));
	its->it_value.tv_sec = (time_t)(ns / 1000000000);
	its->it_value.tv_nsec = (long)(ns % 1000000000);
}

bool cpu_signal_sig(int sig, siginfo_t *si, void *uc)
{
	struct thread *t;
	struct records_key key;
	struct itimerspec its;
	int64_t now, weight, v[2], t0 = 0;
	uint32_t stack = 0;
	unsigned flags;
	int n;

	if (si->si_code != SI_TIMER || !(t = threads_slot_sig(si->si_value.sival_ptr)))
		return false;
	atomic_fetch_add(&in_handler, 1);
	/* A signal from a timer since deleted (its thread left, the slot moved on). */
	if (!atomic_load(&running) || t->timer != si->si_timerid)
		goto out;
	/* The sample stands for all the CPU time since the previous one. */
	now = t0 = now_ns_sig(CLOCK_THREAD_CPUTIME_ID);
	weight = now - t->cpu_ns_last;
	t->cpu_ns_last = now;
	/* How late this sample came past the interval armed, averaged. */
	t->late_ns += (weight - t->armed_ns - t->late_ns) / 8;
	if (t->late_ns < 0)
		t->late_ns = 0;
	next_interval_sig(t, &its);
	syscall(SYS_timer_settime, t->timer, 0, &its, NULL);
	if (weight <= 0)
		goto out;
	atomic_fetch_add_explicit(&cpu.n_signals, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&cpu.cpu_ns, weight, memory_order_relaxed);
	if (t->pcs_sig) {
		n = unwind_sig(uc, t->stack_lo, t->stack_hi, t->pcs_sig, env.depth, &flags);
		if (n > 0)
			stack = stacks_intern_sig(t->pcs_sig, n, flags);
	}
	if (stack) {
		key.w[0] = stack | (uint64_t)(uint32_t)t->tid << 32;
		key.w[1] = threads_name_sig(t) | (uint64_t)labels_current_sig() << 32;
		key.w[2] = 0;
		v[0] = 1;
		v[1] = weight;
		if (records_add_sig(&cpu.records, &key, v, 2) == 0)
			goto out;
	}
	atomic_fetch_add_explicit(&cpu.n_lost, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&cpu.lost_cpu_ns, weight, memory_order_relaxed);
out:
	if (env.stats && t0) {
		/* CPU time, not wall time: a preempted handler costs the program nothing. */
		int64_t d = now_ns_sig(CLOCK_THREAD_CPUTIME_ID) - t0, max;

		atomic_fetch_add_explicit(&cpu.handler_ns, d, memory_order_relaxed);
		max = atomic_load_explicit(&cpu.handler_max_ns, memory_order_relaxed);
		while (d > max && !atomic_compare_exchange_weak(&cpu.handler_max_ns, &max, d))
			;
	}
	atomic_fetch_sub(&in_handler, 1);
	return true;
}
