/*
 * tstacks.c: the threads snapshot. Each thread of /proc/self/task is read one of three
 * ways: the calling thread unwinds itself; a thread that is not running (blocked in the
 * kernel, stopped) is unwound from outside, from the pc and sp that
 * /proc/self/task/TID/syscall shows and a copy of its stack, checked afterwards not to
 * have run meanwhile; a running thread is sent SIGRTMAX and unwinds itself in the
 * handler, which is waited for a bounded time. docs/design.md says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "real.h"
#include "dump.h"
#include "env.h"
#include "labels.h"
#include "legacy.h"
#include "limits.h"
#include "log.h"
#include "modules.h"
#include "profile.h"
#include "sigs.h"
#include "stacks.h"
#include "threads.h"
#include "tstacks.h"
#include "unwind.h"

/*
 * A signalled thread answers in a slot of this pool. The slot's word holds the snapshot's
 * generation and a state; the handler moves WAITING to CAPTURING to ANSWERED, the
 * snapshot gives up on a slot by moving WAITING to ABANDONED, and never reuses a slot
 * while a handler may be writing it (CAPTURING). The signal's value names the slot:
 * SNAP_MAGIC << 48 | generation (32 bits) << 16 | slot, so a late answer to an older
 * snapshot finds another generation and writes nothing. The pool is never freed.
 */
#define SNAP_MAGIC 0xc9f0ull

enum { A_FREE, A_WAITING, A_CAPTURING, A_ANSWERED, A_ABANDONED };

struct answer {
	_Atomic uint64_t word;
	_Atomic pid_t tid;
	uint32_t labels;
	int n;
	unsigned flags;
};

_Static_assert(CPROF_THREADS_MAX <= 0x10000, "slots fit in 16 bits of the signal's value");

static struct answer *answers;
static uint64_t *answer_pcs;	/* CPROF_THREADS_MAX * answer_depth */
static int answer_depth;
static uint32_t generation;	/* under snap_lock */
static int snap_signal;
static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic int64_t n_restarted, n_interrupted;

static bool snap_signal_sig(int sig, siginfo_t *si, void *uc);
static pid_t gettid_sig(void);

/* What the snapshot knows of one thread. */
struct tthread {
	pid_t tid;
	char name[16];
	char state;		/* /proc's state letter */
	uint32_t labels;
	uint32_t stack;		/* stack id, 0 when why says what happened */
	const char *why;
	int slot;		/* answer slot while asked by signal, else -1 */
	bool gone;		/* exited during the snapshot: left out */
	uint64_t stack_lo, stack_hi;
};

/* The registry's view of a thread: its stack top and its label set. */
struct reg {
	pid_t tid;
	uint64_t stack_lo, stack_hi;
	uint32_t labels;
};

struct regs {
	struct reg *r;
	size_t n, cap;
};

static const char *state_name(char c)
{
	switch (c) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk wait";
	case 'T': return "stopped";
	case 't': return "tracing stop";
	case 'Z': return "zombie";
	case 'X': case 'x': return "dead";
	case 'I': return "idle";
	case 'P': return "parked";
	case 'W': return "waking";
	case 'K': return "wakekill";
	default: return "unknown";
	}
}

/* Reads /proc/self/task/TID/what into buf (NUL-terminated). Bytes read, or -errno. */
static ssize_t read_task(pid_t tid, const char *what, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* Name and state from /proc/self/task/TID/stat. -errno when the thread is gone. */
static int read_stat(struct tthread *t)
{
	char buf[512], *open_paren, *close_paren;
	ssize_t n = read_task(t->tid, "stat", buf, sizeof(buf));
	size_t len;

	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	/* The name may hold spaces and parentheses: it runs to the last ')'. */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		return -EINVAL;
	len = (size_t)(close_paren - open_paren - 1);
	if (len >= sizeof(t->name))
		len = sizeof(t->name) - 1;
	memcpy(t->name, open_paren + 1, len);
	t->name[len] = '\0';
	t->state = close_paren[2];
	return 0;
}

/* The thread's CPU time so far (schedstat's first field, ns); -1 if unknown. */
static long long run_time(pid_t tid)
{
	char buf[128];

	if (read_task(tid, "schedstat", buf, sizeof(buf)) <= 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* Whether the thread blocks sig (SigBlk in /proc/self/task/TID/status). */
static bool blocks(pid_t tid, int sig)
{
	char buf[4096], *line;
	unsigned long long mask;

	if (read_task(tid, "status", buf, sizeof(buf)) <= 0 || !(line = strstr(buf, "\nSigBlk:")))
		return false;
	mask = strtoull(line + 8, NULL, 16);
	return (mask >> (sig - 1)) & 1;
}

enum { REMOTE_OK, REMOTE_RUNNING, REMOTE_FAILED, REMOTE_GONE };

/*
 * Unwinds a thread that is not running from outside. Its pc and sp come from
 * /proc/self/task/TID/syscall (the kernel takes them while the thread is off the CPU),
 * its stack from a copy (process_vm_readv fails instead of faulting should the thread
 * exit and its stack go). The thread's CPU time and syscall line, read again afterwards,
 * must not have changed: otherwise it ran meanwhile and the copy may be torn, and the
 * read is tried again. REMOTE_RUNNING when the thread is (or keeps getting) on the CPU.
 */
static int remote_read(struct tthread *t, uint8_t *copy, uint64_t *pcs)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		char before[512], after[512];
		long long ran = run_time(t->tid);
		unsigned long long f_sp, f_pc;
		uint64_t pc, sp, lo, hi;
		struct iovec local, remote;
		unsigned flags;
		ssize_t got = read_task(t->tid, "syscall", before, sizeof(before));
		const char *last;
		int n;

		if (got == -ENOENT || got == -ESRCH)
			return REMOTE_GONE;
		if (got <= 0) {
			t->why = "[stack unreadable: no /proc/self/task/N/syscall]";
			return REMOTE_FAILED;
		}
		if (!strncmp(before, "running", 7))
			return REMOTE_RUNNING;
		/* "NR ARG1 ... ARG6 SP PC", or "-1 SP PC" outside a system call. */
		last = strrchr(before, ' ');
		while (last && last > before && last[-1] != ' ')
			last--;
		if (!last || last <= before || sscanf(last - 1, " %llx %llx", &f_sp, &f_pc) != 2)
			return REMOTE_RUNNING;
		pc = f_pc;
		sp = f_sp;
		if (!pc || sp < 128) {
			t->why = "[stack unreadable]";
			return REMOTE_FAILED;
		}
		lo = sp - 128;
		hi = lo + CPROF_STACK_COPY_MAX;
		if (t->stack_hi > sp && t->stack_hi < hi)
			hi = t->stack_hi;
		local.iov_base = copy;
		local.iov_len = (size_t)(hi - lo);
		remote.iov_base = (void *)(uintptr_t)lo;
		remote.iov_len = (size_t)(hi - lo);
		got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (got < 0 && errno == ESRCH)
			return REMOTE_GONE;
		if (got <= 128) {
			t->why = "[stack unreadable]";
			return REMOTE_FAILED;
		}
		n = unwind_copy_sig(pc, sp, copy, lo, lo + (uint64_t)got, pcs, env.depth, &flags);
		if (read_task(t->tid, "syscall", after, sizeof(after)) <= 0)
			return REMOTE_FAILED;
		if (strcmp(before, after) || run_time(t->tid) != ran)
			continue;
		t->stack = n > 0 ? stacks_intern_sig(pcs, n, flags) : 0;
		if (!t->stack)
			t->why = "[lost: the stack table is full]";
		return REMOTE_OK;
	}
	return REMOTE_RUNNING;
}

static int init_locked(void)
{
	int rc;

	if (snap_signal)
		return 0;
	if (!answers) {
		answers = mmap(NULL, CPROF_THREADS_MAX * sizeof(*answers), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		answer_pcs = mmap(NULL, (size_t)CPROF_THREADS_MAX * env.depth * sizeof(*answer_pcs),
				  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		if (answers == MAP_FAILED || answer_pcs == MAP_FAILED) {
			answers = NULL;
			return -ENOMEM;
		}
		answer_depth = env.depth;
	}
	/*
	 * SIGRTMAX: when a program signal is pending too, the kernel delivers the lower
	 * number first, so the program's handler is the one a system call's EINTR is set up
	 * for, and ours never mistakes it for its own (restart_sig).
	 */
	rc = sigs_own(SIGRTMAX, snap_signal_sig, "thread stacks");
	if (rc < 0)
		return rc;
	snap_signal = SIGRTMAX;
	return 0;
}

/* A free answer slot (none is reused while a handler may still write it), or -1. */
static int take_slot(uint32_t gen, pid_t tid)
{
	static uint32_t next;

	for (uint32_t i = 0; i < CPROF_THREADS_MAX; i++) {
		uint32_t s = (next + i) % CPROF_THREADS_MAX;
		uint64_t w = atomic_load(&answers[s].word);

		if ((w & 0xff) == A_CAPTURING || (w & 0xff) == A_WAITING)
			continue;
		atomic_store(&answers[s].tid, tid);
		atomic_store_explicit(&answers[s].word, (uint64_t)gen << 8 | A_WAITING,
				      memory_order_release);
		next = s + 1;
		return (int)s;
	}
	return -1;
}

static bool ask(struct tthread *t, uint32_t gen)
{
	siginfo_t si;

	t->slot = take_slot(gen, t->tid);
	if (t->slot < 0) {
		t->why = "[not asked: too many threads]";
		return false;
	}
	memset(&si, 0, sizeof(si));
	si.si_signo = snap_signal;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)(SNAP_MAGIC << 48 | (uint64_t)gen << 16 |
						     (uint64_t)t->slot);
	if (syscall(SYS_rt_tgsigqueueinfo, getpid(), t->tid, snap_signal, &si) == 0)
		return true;
	atomic_store(&answers[t->slot].word, (uint64_t)gen << 8 | A_ABANDONED);
	t->slot = -1;
	t->gone = true;		/* ESRCH: it exited since it was listed */
	return false;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Collects the answers, waiting at most CPROF_SNAPSHOT_WAIT_MS for all of them. */
static void collect(struct tthread *th, size_t n, uint32_t gen)
{
	int64_t deadline = now_ms() + CPROF_SNAPSHOT_WAIT_MS;
	struct timespec ms = { 0, 1000000 };

	uint64_t answered = (uint64_t)gen << 8 | A_ANSWERED;

	for (;;) {
		bool waiting = false;

		for (size_t i = 0; i < n && !waiting; i++)
			waiting = th[i].slot >= 0 && atomic_load(&answers[th[i].slot].word) != answered;
		if (!waiting || now_ms() >= deadline)
			break;
		nanosleep(&ms, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		struct tthread *t = &th[i];
		struct answer *a;
		uint64_t want = (uint64_t)gen << 8 | A_WAITING;

		if (t->slot < 0)
			continue;
		a = &answers[t->slot];
		/* A handler that took the slot is bounded: give it a little longer. */
		for (int spins = 0; atomic_load(&a->word) == ((uint64_t)gen << 8 | A_CAPTURING) &&
				    spins < 100; spins++)
			nanosleep(&ms, NULL);
		if (atomic_compare_exchange_strong(&a->word, &want, (uint64_t)gen << 8 | A_ABANDONED)) {
			t->why = "[no answer to the snapshot signal]";
			log_warn("thread %d (%s, %s) did not answer the threads snapshot's signal "
				 "within %d ms: its stack is missing", (int)t->tid, t->name,
				 state_name(t->state), CPROF_SNAPSHOT_WAIT_MS);
		} else if (atomic_load_explicit(&a->word, memory_order_acquire) ==
			   ((uint64_t)gen << 8 | A_ANSWERED)) {
			t->labels = a->labels;
			t->stack = a->n > 0 ? stacks_intern_sig(answer_pcs +
					(size_t)t->slot * answer_depth, a->n, a->flags) : 0;
			if (!t->stack)
				t->why = "[lost: the stack table is full]";
		} else {
			t->why = "[no answer to the snapshot signal]";
		}
		t->slot = -1;
	}
}

static void note_reg(struct thread *t, void *arg)
{
	struct regs *rs = arg;

	if (rs->n == rs->cap)
		return;
	rs->r[rs->n].tid = t->tid;
	rs->r[rs->n].stack_lo = t->stack_lo;
	rs->r[rs->n].stack_hi = t->stack_hi;
	rs->r[rs->n].labels = atomic_load_explicit(&t->labels, memory_order_relaxed);
	rs->n++;
}

static const struct reg *find_reg(const struct regs *rs, pid_t tid)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].tid == tid)
			return &rs->r[i];
	return NULL;
}

/* Reads every thread; *out (malloc'd) gets them. Under snap_lock. 0 or -errno. */
static int snapshot(struct tthread **out, size_t *n_out)
{
	pid_t *tids = malloc(CPROF_THREADS_MAX * sizeof(*tids)), self = gettid_sig();
	struct regs rs = { malloc(CPROF_THREADS_MAX * sizeof(struct reg)), 0, CPROF_THREADS_MAX };
	uint8_t *copy = malloc(CPROF_STACK_COPY_MAX);
	uint64_t *pcs = malloc((size_t)env.depth * sizeof(*pcs));
	struct tthread *th = NULL;
	int64_t interrupted = atomic_load(&n_interrupted);
	uint32_t gen = ++generation;
	size_t n = 0;
	int n_tids, rc = -ENOMEM;

	if (!tids || !rs.r || !copy || !pcs)
		goto out;
	n_tids = threads_list(tids, CPROF_THREADS_MAX);
	if (n_tids < 0) {
		rc = n_tids;
		goto out;
	}
	th = calloc((size_t)n_tids + 1, sizeof(*th));
	if (!th)
		goto out;
	threads_foreach(note_reg, &rs);
	for (int i = 0; i < n_tids; i++) {
		struct tthread *t = &th[n];
		const struct reg *r;
		unsigned flags;
		int got;

		if (threads_excluded(tids[i]))
			continue;
		t->tid = tids[i];
		t->slot = -1;
		if (read_stat(t) < 0)
			continue;	/* it exited */
		n++;
		r = find_reg(&rs, t->tid);
		t->stack_lo = r ? r->stack_lo : 0;
		t->stack_hi = r ? r->stack_hi : 0;
		t->labels = r ? r->labels : 0;
		if (t->tid == self) {
			got = unwind_here_sig(t->stack_lo, t->stack_hi, pcs, env.depth, &flags);
			t->stack = got > 0 ? stacks_intern_sig(pcs, got, flags) : 0;
			t->labels = labels_current_sig();
			if (!t->stack)
				t->why = "[lost: the stack table is full]";
			continue;
		}
		if (t->state == 'Z' || t->state == 'X' || t->state == 'x') {
			t->why = "[thread exited]";
			continue;
		}
		if (t->state != 'R' && (got = remote_read(t, copy, pcs)) != REMOTE_RUNNING) {
			t->gone = got == REMOTE_GONE;
			continue;
		}
		/* Running: it answers the signal, unless it blocks it. */
		if (blocks(t->tid, snap_signal)) {
			t->why = "[thread blocks the snapshot signal]";
			log_warn("thread %d (%s) blocks signal %d, which the threads snapshot sends "
				 "to running threads: its stack is missing", (int)t->tid, t->name,
				 snap_signal);
			continue;
		}
		/* It may have gone to sleep since: read it without a signal then. */
		if ((got = remote_read(t, copy, pcs)) != REMOTE_RUNNING) {
			t->gone = got == REMOTE_GONE;
			continue;
		}
		t->state = 'R';
		ask(t, gen);
	}
	collect(th, n, gen);
	for (size_t i = 0, kept = 0; i < n; i++) {
		if (!th[i].gone)
			th[kept++] = th[i];
		if (i + 1 == n)
			n = kept;
	}
	if (atomic_load(&n_interrupted) > interrupted)
		log_warn("the threads snapshot interrupted a system call it could not restart "
			 "(%lld so far); that call may have failed with EINTR",
			 (long long)atomic_load(&n_interrupted));
	*out = th;
	*n_out = n;
	th = NULL;
	rc = 0;
out:
	free(th);
	free(tids);
	free(rs.r);
	free(copy);
	free(pcs);
	return rc;
}

/* --- the profile --------------------------------------------------------------------------- */

static int by_group(const void *a, const void *b)
{
	const struct tthread *x = a, *y = b;
	int c;

	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	if ((c = strcmp(x->why ? x->why : "", y->why ? y->why : "")))
		return c;
	if ((c = strcmp(x->name, y->name)))
		return c;
	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	if (x->labels != y->labels)
		return x->labels < y->labels ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static bool same_group(const struct tthread *x, const struct tthread *y)
{
	return x->stack == y->stack && !strcmp(x->why ? x->why : "", y->why ? y->why : "") &&
	       !strcmp(x->name, y->name) && x->state == y->state && x->labels == y->labels;
}

static struct profile *build(const struct tthread *th, size_t n)
{
	struct dump_sample *s = calloc(n + 1, sizeof(*s));
	struct dump_label *lb = calloc(n + (n + 1) * (2 + DUMP_LABELS_MAX), sizeof(*lb));
	int64_t *values = calloc(n + 1, sizeof(*values));
	struct dump_kind k = {
		.kind = "threads",
		.types = { "goroutine", "count", NULL },
		.period_type = "goroutine",
		.period_unit = "count",
		.period = 1,
	};
	struct profile *p = NULL;
	struct timespec ts;
	size_t n_s = 0, used = 0;

	if (!s || !lb || !values)
		goto out;
	clock_gettime(CLOCK_REALTIME, &ts);
	k.time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	for (size_t i = 0; i < n; ) {
		struct dump_sample *smp = &s[n_s];
		struct dump_label *l = lb + used;
		size_t j = i, nl = 0;

		l[nl++] = (struct dump_label){ "thread", th[i].name, 0, NULL };
		l[nl++] = (struct dump_label){ "state", state_name(th[i].state), 0, NULL };
		for (; j < n && same_group(&th[i], &th[j]); j++)
			l[nl++] = (struct dump_label){ "tid", NULL, th[j].tid, NULL };
		nl += labels_get(th[i].labels, l + nl, DUMP_LABELS_MAX);
		values[n_s] = (int64_t)(j - i);
		smp->stack = th[i].stack;
		smp->frame = th[i].stack ? NULL : (th[i].why ? th[i].why : "[unknown]");
		smp->values = &values[n_s];
		smp->labels = l;
		smp->n_labels = nl;
		used += nl;
		n_s++;
		i = j;
	}
	p = dump_build_samples(&k, s, n_s);
out:
	if (!s || !lb || !values)
		log_warn("cannot build the threads profile: out of memory");
	free(s);
	free(lb);
	free(values);
	return p;
}

struct profile *tstacks_build(void)
{
	struct tthread *th = NULL;
	struct profile *p = NULL;
	size_t n = 0;
	int rc;

	cprof_tls.in_cprof++;
	real_mutex_lock(&snap_lock);
	rc = init_locked();
	if (rc == 0)
		rc = snapshot(&th, &n);
	real_mutex_unlock(&snap_lock);
	if (rc < 0) {
		log_warn("cannot take the threads snapshot: %s", strerror(-rc));
	} else {
		qsort(th, n, sizeof(*th), by_group);
		p = build(th, n);
	}
	free(th);
	cprof_tls.in_cprof--;
	return p;
}

int tstacks_write(const char *path, bool text)
{
	struct profile *p = tstacks_build();
	char *buf = NULL;
	size_t len;
	int rc;

	if (!p)
		return -ENOMEM;
	if (!text) {
		rc = dump_write(path, "threads", p);
	} else {
		rc = legacy_threads_text(p, &buf, &len);
		if (rc == 0)
			rc = dump_write_data(path, "threads", buf, len);
		else
			log_warn("cannot write profile '%s': %s", path, strerror(-rc));
		free(buf);
	}
	profile_free(p);
	return rc;
}

void tstacks_stats(int64_t *restarted, int64_t *interrupted)
{
	*restarted = atomic_load(&n_restarted);
	*interrupted = atomic_load(&n_interrupted);
}

static size_t count(void)
{
	pid_t *tids = malloc(CPROF_THREADS_MAX * sizeof(*tids));
	int n = tids ? threads_list(tids, CPROF_THREADS_MAX) : 0;
	size_t live = 0;

	for (int i = 0; i < n; i++)
		live += !threads_excluded(tids[i]);
	free(tids);
	return live;
}

static int no_describe(struct dump_kind *k)
{
	return -ENOSYS;
}

static const struct dump_source source = {
	.name = "goroutine",
	.description = "Stack traces of all current goroutines",
	.describe = no_describe,
	.count = count,
	.build = tstacks_build,
};

/* A fork child has only the thread that forked: a snapshot another thread was taking is gone. */
static void fork_child(void)
{
	pthread_mutex_init(&snap_lock, NULL);
}

int tstacks_init(void)
{
	int rc = dump_register(&source);

	pthread_atfork(NULL, NULL, fork_child);
	return rc == -EEXIST ? 0 : rc;
}

/* --- signal context --- */

static pid_t gettid_sig(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Captures the interrupted stack into the slot the signal names, if it is still wanted. */
static void answer_sig(uint64_t v, const ucontext_t *uc)
{
	uint32_t slot = (uint32_t)(v & 0xffff);
	uint64_t gen = (v >> 16) & 0xffffffff, want = gen << 8 | A_WAITING;
	struct answer *a;
	struct thread *t;

	if (!answers || slot >= CPROF_THREADS_MAX)
		return;
	a = &answers[slot];
	if (atomic_load_explicit(&a->word, memory_order_acquire) != want ||
	    atomic_load(&a->tid) != gettid_sig() ||
	    !atomic_compare_exchange_strong(&a->word, &want, gen << 8 | A_CAPTURING))
		return;
	t = threads_self_sig();
	a->n = unwind_sig(uc, t ? t->stack_lo : 0, t ? t->stack_hi : 0,
			  answer_pcs + (size_t)slot * answer_depth, answer_depth, &a->flags);
	a->labels = labels_current_sig();
	atomic_store_explicit(&a->word, gen << 8 | A_ANSWERED, memory_order_release);
}

/*
 * The number of the system call whose `syscall` instruction ends just before pc, as
 * glibc's wrappers load it (mov $nr,%eax right before, or before an xor into %sil for
 * the futex calls; xor %eax,%eax for read); -1 when it cannot be told, -2 when pc does
 * not follow a syscall instruction. Code is read only in objects that are never unloaded.
 */
static long syscall_nr_sig(uint64_t pc)
{
	const struct module *m;
	const uint8_t *c = (const uint8_t *)(uintptr_t)pc;
	int token = modules_enter_sig();
	long nr = -2;
	uint32_t imm;

	m = modules_find_sig(pc - 1);
	if (m && m->is_initial && pc >= m->lo + 11 && pc <= m->hi && c[-2] == 0x0f && c[-1] == 0x05) {
		nr = -1;
		if (c[-7] == 0xb8) {
			memcpy(&imm, c - 6, 4);
			nr = imm;
		} else if (c[-11] == 0xb8 && c[-6] == 0x40 && c[-5] == 0x80 && c[-4] == 0xf6) {
			memcpy(&imm, c - 10, 4);
			nr = imm;
		} else if (c[-4] == 0x31 && c[-3] == 0xc0) {
			nr = 0;
		}
	}
	modules_leave_sig(token);
	return nr;
}

/*
 * System calls that may be restarted with their own arguments after an EINTR nobody but
 * the snapshot caused: the kernel's own restart would have been the same, or, for the
 * calls with a relative timeout (poll, epoll_wait, nanosleep...), a wait longer than
 * asked, which their contracts allow ("at least"). connect is not one: restarted, it
 * would fail with EALREADY.
 */
static bool restartable_sig(long nr)
{
	static const short nrs[] = {
		0 /* read */, 1 /* write */, 7 /* poll */, 17 /* pread64 */, 18 /* pwrite64 */,
		19 /* readv */, 20 /* writev */, 23 /* select */, 34 /* pause */,
		35 /* nanosleep */, 43 /* accept */, 44 /* sendto */, 45 /* recvfrom */,
		46 /* sendmsg */, 47 /* recvmsg */, 61 /* wait4 */, 65 /* semop */,
		69 /* msgsnd */, 70 /* msgrcv */, 72 /* fcntl */, 73 /* flock */,
		128 /* rt_sigtimedwait */, 130 /* rt_sigsuspend */, 202 /* futex */,
		208 /* io_getevents */, 220 /* semtimedop */, 230 /* clock_nanosleep */,
		232 /* epoll_wait */, 247 /* waitid */, 270 /* pselect6 */, 271 /* ppoll */,
		281 /* epoll_pwait */, 288 /* accept4 */, 295 /* preadv */, 296 /* pwritev */,
		299 /* recvmmsg */, 307 /* sendmmsg */, 441 /* epoll_pwait2 */,
	};

	for (size_t i = 0; i < ARRAY_SIZE(nrs); i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

/* Whether a signal other than ours is pending that the interrupted code does not block. */
static bool other_pending_sig(int ours, const sigset_t *mask)
{
	sigset_t pending;

	if (sigpending(&pending) < 0)
		return true;
	for (int s = 1; s < NSIG; s++)
		if (s != ours && sigismember(&pending, s) == 1 && sigismember(mask, s) != 1)
			return true;
	return false;
}

/*
 * A thread the snapshot found running may have entered a blocking system call in the
 * microseconds before the signal arrived; the kernel then returns EINTR to it because a
 * handler ran. When nothing else can have caused that EINTR (no program signal is
 * pending: being the highest-numbered signal, ours is set up last), make the call start
 * again, as the kernel does for SA_RESTART handlers: back up over the syscall
 * instruction with the call's number in rax (the arguments are still in their
 * registers). Otherwise count it, for the log.
 */
static void restart_sig(int sig, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	long nr;

	if (g[REG_RAX] != -EINTR)
		return;
	nr = syscall_nr_sig((uint64_t)g[REG_RIP]);
	if (nr == -2)
		return;
	if (nr < 0 || !restartable_sig(nr) || other_pending_sig(sig, &uc->uc_sigmask)) {
		atomic_fetch_add(&n_interrupted, 1);
		return;
	}
	g[REG_RAX] = nr;
	g[REG_RIP] -= 2;
	atomic_fetch_add(&n_restarted, 1);
}

static bool snap_signal_sig(int sig, siginfo_t *si, void *uc)
{
	uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
	sigset_t all;

	if (si->si_code != SI_QUEUE || si->si_pid != getpid() || v >> 48 != SNAP_MAGIC)
		return false;
	/* No program signal may run inside: it would see, or miss, the call we restart. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	answer_sig(v, uc);
	restart_sig(sig, uc);
	return true;
}
