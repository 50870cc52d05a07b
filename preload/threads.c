/*
 * threads.c: the thread registry, the pthread_create wrapper that registers new threads
 * from their own context, and the /proc/self/task scan for the others. Registration and
 * removal take the registry lock (normal context only); handlers find their slot through
 * TLS, or by tid for threads registered by someone else, without locking.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cpu.h"
#include "env.h"
#include "labels.h"
#include "limits.h"
#include "log.h"
#include "real.h"
#include "records.h"
#include "tcreate.h"
#include "threads.h"

CPROF_TLS struct tls cprof_tls;

static struct thread *slots;
static _Atomic uint32_t n_high;		/* slots[0..n_high) may be in use */
static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static _Atomic bool ready;
static pid_t excluded[8];		/* the profiler's own threads */
static struct records names;

static pid_t gettid_sig(void);

static bool is_excluded(pid_t tid)
{
	for (size_t i = 0; i < ARRAY_SIZE(excluded); i++)
		if (excluded[i] == tid)
			return true;
	return false;
}

static struct thread *find_locked(pid_t tid)
{
	uint32_t n = atomic_load(&n_high);

	for (uint32_t i = 0; i < n; i++)
		if (atomic_load(&slots[i].state) == SLOT_LIVE && slots[i].tid == tid)
			return &slots[i];
	return NULL;
}

/* A free slot with PC buffers for the current depth, or NULL. Registry lock held. */
static struct thread *claim_locked(pid_t tid)
{
	size_t need = 2 * (size_t)env.depth * sizeof(uint64_t);
	uint32_t n = atomic_load(&n_high);
	struct thread *t = NULL;

	for (uint32_t i = 0; i < n && !t; i++)
		if (atomic_load(&slots[i].state) == SLOT_FREE)
			t = &slots[i];
	if (!t) {
		if (n == CPROF_THREADS_MAX)
			return NULL;
		t = &slots[n];
		atomic_store(&n_high, n + 1);
	}
	if (t->buf_bytes < need) {
		void *buf = mmap(NULL, need, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (buf == MAP_FAILED)
			return NULL;
		if (t->buf_bytes)
			munmap(t->pcs_sig, t->buf_bytes);
		t->pcs_sig = buf;
		t->pcs = t->pcs_sig + env.depth;
		t->buf_bytes = need;
	}
	t->tid = tid;
	t->self_registered = false;
	t->stack_lo = 0;
	t->stack_hi = 0;
	t->timer = -1;
	t->name_id = 0;
	t->name_checks = 0;
	atomic_store(&t->labels, 0);
	return t;
}

static void publish_locked(struct thread *t)
{
	atomic_store_explicit(&t->state, SLOT_LIVE, memory_order_release);
	cpu_thread_start(t);
}

static void release_locked(struct thread *t)
{
	cpu_thread_stop(t);
	atomic_store_explicit(&t->state, SLOT_FREE, memory_order_release);
}

/*
 * The calling thread's stack, [*lo, *hi), or 0, 0 (normal context). At most 1 GiB: with
 * an unlimited stack rlimit glibc gives the main thread everything down to the next
 * mapping (terabytes with the legacy layout), which would hold every later mmap, a
 * coroutine's stack or an alternate signal stack; those are bounded by their own region.
 */
static void own_stack(uint64_t *lo, uint64_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	*lo = *hi = 0;
	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		*lo = (uint64_t)(uintptr_t)addr;
		*hi = *lo + size;
		if (size > (1ull << 30))
			*lo = *hi - (1ull << 30);
	}
	pthread_attr_destroy(&attr);
}

static void on_thread_exit(void *arg)
{
	struct thread *t = arg;

	real_mutex_lock(&registry);
	if (cprof_tls.self == t) {
		cprof_tls.self = NULL;
		release_locked(t);
	}
	real_mutex_unlock(&registry);
}

/* Registers the calling thread (it may already have a slot from a task scan). */
static void register_self(void)
{
	pid_t tid = gettid_sig();
	uint64_t lo, hi;
	struct thread *t;

	own_stack(&lo, &hi);
	real_mutex_lock(&registry);
	t = find_locked(tid);
	if (!t) {
		t = claim_locked(tid);
		if (t) {
			t->stack_lo = lo;
			t->stack_hi = hi;
			t->self_registered = true;
			cprof_tls.self = t;
			publish_locked(t);
		}
	} else {
		t->stack_lo = lo;
		t->stack_hi = hi;
		t->self_registered = true;
		cprof_tls.self = t;
	}
	real_mutex_unlock(&registry);
	cprof_tls.stack_lo = lo;
	cprof_tls.stack_hi = hi;
	if (!t)
		log_warn("more than %d threads: new threads are not sampled", CPROF_THREADS_MAX);
	else
		pthread_setspecific(exit_key, t);
}

struct start {
	void *(*fn)(void *);
	void *arg;
	uint32_t labels;	/* the creator's label set, which the thread starts in (as in Go) */
};

/*
 * Start records come from a small pool, malloc only when it is empty: a new thread whose
 * first call into the allocator is the free of its creator's block is slower ever after
 * (glibc; 12% on a malloc churn in that thread), and the records are cprof's, not the
 * program's allocations.
 */
#define START_POOL 64
static struct start start_pool[START_POOL];
static _Atomic uint64_t start_used;	/* bit i: start_pool[i] is taken */

static struct start *start_get(void)
{
	uint64_t used = atomic_load(&start_used);
	struct start *s;

	while (~used) {
		int i = __builtin_ctzll(~used);

		if (atomic_compare_exchange_weak(&start_used, &used, used | 1ull << i))
			return &start_pool[i];
	}
	cprof_tls.in_cprof++;
	s = malloc(sizeof(*s));
	cprof_tls.in_cprof--;
	return s;
}

static void start_put(struct start *s)
{
	if (s >= start_pool && s < start_pool + START_POOL)
		atomic_fetch_and(&start_used, ~(1ull << (s - start_pool)));
	else
		free(s);
}

static void *thread_start(void *p)
{
	struct start s = *(struct start *)p;

	start_put(p);
	/* Registering allocates (pthread_getattr_np): cprof's, not the program's. */
	cprof_tls.in_cprof++;
	register_self();
	cprof_tls.in_cprof--;
	labels_set_current(s.labels);
	return s.fn(s.arg);
}

CPROF_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr,
				void *(*fn)(void *), void *arg)
{
	struct start *s;
	int rc;

	if (!real_pthread_create && real_init() < 0)
		return EAGAIN;
	if (!atomic_load(&ready) || cprof_tls.in_cprof)
		return real_pthread_create(th, attr, fn, arg);
	s = start_get();
	if (!s) {
		rc = real_pthread_create(th, attr, fn, arg);
	} else {
		s->fn = fn;
		s->arg = arg;
		s->labels = labels_current_sig();
		rc = real_pthread_create(th, attr, thread_start, s);
		if (rc)
			start_put(s);
	}
	/* Go's threadcreate profile counts the threads that were created. */
	if (rc == 0)
		tcreate_record_sig();
	return rc;
}

int threads_list(pid_t *tids, int max)
{
	char buf[4096];
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		long got = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (got <= 0)
			break;
		for (long off = 0; off < got; ) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			if (d->d_name[0] >= '0' && d->d_name[0] <= '9' && n < max)
				tids[n++] = (pid_t)atoi(d->d_name);
		}
	}
	close(fd);
	return n;
}

int threads_rescan(void)
{
	static pid_t tids[CPROF_THREADS_MAX];
	int n = threads_list(tids, CPROF_THREADS_MAX), added = 0;
	pid_t pid = getpid();

	if (n < 0)
		return n;
	real_mutex_lock(&registry);
	for (int i = 0; i < n; i++) {
		struct thread *t;

		if (is_excluded(tids[i]) || find_locked(tids[i]))
			continue;
		t = claim_locked(tids[i]);
		if (!t)
			break;
		publish_locked(t);
		added++;
	}
	/* Threads registered by a scan leave no trace when they exit: look for them. */
	for (uint32_t i = 0; i < atomic_load(&n_high); i++) {
		struct thread *t = &slots[i];

		if (atomic_load(&t->state) == SLOT_LIVE && !t->self_registered &&
		    syscall(SYS_tgkill, pid, t->tid, 0) < 0 && errno == ESRCH)
			release_locked(t);
	}
	real_mutex_unlock(&registry);
	return added;
}

void threads_exclude_self(void)
{
	pid_t tid = gettid_sig();

	real_mutex_lock(&registry);
	for (size_t i = 0; i < ARRAY_SIZE(excluded); i++) {
		if (!excluded[i]) {
			excluded[i] = tid;
			break;
		}
	}
	real_mutex_unlock(&registry);
}

bool threads_excluded(pid_t tid)
{
	bool r;

	real_mutex_lock(&registry);
	r = is_excluded(tid);
	real_mutex_unlock(&registry);
	return r;
}

void threads_foreach(void (*fn)(struct thread *t, void *arg), void *arg)
{
	real_mutex_lock(&registry);
	for (uint32_t i = 0; i < atomic_load(&n_high); i++)
		if (atomic_load(&slots[i].state) == SLOT_LIVE)
			fn(&slots[i], arg);
	real_mutex_unlock(&registry);
}

int threads_init(void)
{
	int rc;

	slots = mmap(NULL, CPROF_THREADS_MAX * sizeof(*slots), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (slots == MAP_FAILED) {
		slots = NULL;
		return -ENOMEM;
	}
	rc = records_init(&names, CPROF_NAMES_MAX);
	if (rc < 0)
		return rc;
	rc = pthread_key_create(&exit_key, on_thread_exit);
	if (rc)
		return -rc;
	register_self();
	threads_rescan();
	atomic_store(&ready, true);
	return 0;
}

void threads_name(uint32_t name_id, char buf[16])
{
	const struct records_key *k = records_key(&names, name_id);

	memset(buf, 0, 16);
	if (k)
		memcpy(buf, k->w, 15);
}

void threads_fork_prepare(void)
{
	real_mutex_lock(&registry);
}

void threads_fork_parent(void)
{
	real_mutex_unlock(&registry);
}

void threads_fork_child(void)
{
	struct thread *self = cprof_tls.self;

	for (uint32_t i = 0; i < atomic_load(&n_high); i++) {
		struct thread *t = &slots[i];

		/* Timers are not inherited by fork: nothing to delete, only to forget. */
		t->timer = -1;
		if (t != self)
			atomic_store(&t->state, SLOT_FREE);
	}
	memset(excluded, 0, sizeof(excluded));
	if (self) {
		self->tid = gettid_sig();
		self->name_checks = 0;
	}
	pthread_mutex_init(&registry, NULL);
	if (self)
		cpu_thread_start(self);
}

/* --- signal context --- */

static pid_t gettid_sig(void)
{
	return (pid_t)syscall(SYS_gettid);
}

struct thread *threads_self_sig(void)
{
	struct thread *t = cprof_tls.self;
	pid_t tid;
	uint32_t n;

	if (likely(t) || !slots)
		return t;
	tid = gettid_sig();
	n = atomic_load(&n_high);
	for (uint32_t i = 0; i < n; i++) {
		if (atomic_load_explicit(&slots[i].state, memory_order_acquire) == SLOT_LIVE &&
		    slots[i].tid == tid) {
			cprof_tls.self = &slots[i];
			return &slots[i];
		}
	}
	return NULL;
}

struct thread *threads_slot_sig(void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)slots;

	if (!slots || a < base || a >= base + CPROF_THREADS_MAX * sizeof(*slots) ||
	    (a - base) % sizeof(*slots))
		return NULL;
	return p;
}

uint32_t threads_name_sig(struct thread *t)
{
	/* Names change rarely (usually once, right after start): look every 64 samples. */
	if (t->name_checks++ % 64 == 0 || !t->name_id) {
		struct records_key k = { { 0, 0, 0 } };
		uint32_t id;

		if (syscall(SYS_prctl, PR_GET_NAME, (char *)k.w, 0, 0, 0) == 0) {
			((char *)k.w)[15] = 0;
			id = records_intern_sig(&names, &k);
			if (id)
				t->name_id = id;
		}
	}
	return t->name_id;
}
