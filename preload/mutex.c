/*
 * mutex.c: the mutex profile and the pthread mutex and rwlock wrappers. A lock first
 * tries the C library's trylock and is done when that succeeds; only a lock found busy is
 * timed (for the block profile) and, one contention in fraction, published as a wait in
 * progress that the lock's unlocks charge to their own stacks (Go's mutex profile). The
 * wrappers are signal context: handlers, new threads and the allocator may reach them.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "block.h"
#include "common.h"
#include "dump.h"
#include "limits.h"
#include "log.h"
#include "mutex.h"
#include "real.h"
#include "records.h"
#include "threads.h"

/*
 * Waits in progress, keyed by lock address: a waiter publishes the time it started
 * waiting; every unlock of that lock charges the time each of its waiters waited since
 * then (or since the previous unlock charged it) to the unlocker's stack and moves the
 * waiter's time up to now; the waiter, once it has the lock, charges what is left (its
 * wake-up after the last unlock) to the record of that unlock. So each nanosecond a
 * waiter waited is charged once, to the holder whose release ended that stretch of
 * waiting, and a waiter counts as one contention. (Go charges a waiter's wait up to the
 * unlock that wakes it, all of it to that unlock; the totals agree except for the
 * wake-up, which Go leaves out.)
 *
 * Layout and protocol, lock-free and bounded:
 *
 *   entry.key        lock address << KEY_SHIFT | waiters counted in the entry
 *                    (0 waiters: free; any lock may claim it, address and all, by CAS)
 *   entry.since[i]   a waiter's start, or the last time an unlock charged it, and bits
 *                    COUNTED (once it was counted) and READER; 0: free slot
 *   entry.release    the record the last charging unlock added to (id << 32; id 0 while
 *                    that unlock is still recording), and the low 32 bits of the lock's
 *                    address; entry.release_ns: when
 *   entry.tail_ns,   wake-ups handed over by waiters that left while their unlock was
 *   entry.tail_n     still recording, for it to add
 *
 *   waiter:   count itself in an entry of its address (or claim a free one) within
 *             WAITS_PROBES of the address's hash, CAS a free slot from 0 to its start,
 *             then n_waiting++. Leaving: take the slot (exchange with 0), count--,
 *             n_waiting--; if entry.release is its lock's and came after its start, add
 *             the rest to that record, or, if its id is 0 yet, to entry.tail, then take
 *             the tail back (exchange) and add it itself if the id appeared meanwhile.
 *   unlocker: before the real unlock (waiters cannot leave yet), if n_waiting > 0: for
 *             each entry of its address in the probe window (stopping at a never-used
 *             one), CAS each slot from s to now | COUNTED, charging now - s (a read
 *             unlock leaves the slots of waiting readers alone), and set release
 *             to (0, now). After the unlock: record the charge at its stack, set release
 *             to the record's id, then take entry.tail (exchange) and add it.
 *
 * So a free entry has empty slots, and an entry never changes address while it has
 * waiters. A lock with more waiters than its probe window holds, or an entry reused
 * between two reads (its waiters left and another lock's came), costs accuracy only.
 */
#define WAITS_SLOTS	11
#define WAITS_PROBES	16
#define KEY_SHIFT	8
#define KEY_COUNT_MAX	((1u << KEY_SHIFT) - 1)
/* The low bits of a slot's time. */
#define COUNTED		1	/* the waiter was counted as a contention */
#define READER		2	/* it waits for a read lock: read unlocks do not charge it */
#define TIME_MASK	(~(int64_t)3)

struct waits_entry {
	_Atomic uint64_t key;
	_Atomic uint64_t release;
	_Atomic int64_t release_ns;
	_Atomic int64_t tail_ns;
	_Atomic int64_t tail_n;
	_Atomic int64_t since[WAITS_SLOTS];
};

/* An unlock's charge, between its two halves (before and after the real unlock). */
struct charge {
	int64_t now, delay, count;
	uint32_t tag;
	int n;
	struct waits_entry *e[WAITS_PROBES];
};

struct waits_ref {
	struct waits_entry *e;
	int slot;
	uint32_t tag;		/* low 32 bits of the lock's address */
	int64_t t0;
};

/* What the lock wrappers do beyond the real call (watch's bits). */
enum { WATCH_MUTEX = 1, WATCH_BLOCK = 2 };

static struct waits_entry *waits;
static _Atomic int64_t n_waiting;	/* waiters published in the table */
static _Atomic unsigned watch;
static _Atomic int fraction;
static struct records records;		/* key: unlock stack, tid, name, labels */
static _Atomic int64_t n_lost, lost_ns;	/* scaled values that could not be recorded */
static _Atomic int64_t n_counted;	/* scaled contentions recorded */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static CPROF_TLS uint64_t rng;

static int64_t now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The tables, once; and the functions the watched paths call without checking. */
static int tables_init(void)
{
	int rc = 0;

	if (!real_pthread_mutex_trylock || !real_pthread_rwlock_tryrdlock ||
	    !real_pthread_rwlock_trywrlock || !real_pthread_mutex_lock ||
	    !real_pthread_rwlock_rdlock || !real_pthread_rwlock_wrlock)
		return -ENOSYS;
	real_mutex_lock(&init_lock);
	if (!records.index)
		rc = records_init(&records, CPROF_RECORDS_MAX);
	if (rc == 0 && !waits) {
		void *p = mmap(NULL, CPROF_LOCK_WAITS_MAX * sizeof(*waits), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			rc = -ENOMEM;
		else
			waits = p;
	}
	real_mutex_unlock(&init_lock);
	return rc;
}

int mutex_start(int f)
{
	int rc;

	if (f < 0)
		return -EINVAL;
	if (f > 0 && (rc = tables_init()) < 0)
		return rc;
	atomic_store(&fraction, f);
	if (f)
		atomic_fetch_or(&watch, WATCH_MUTEX);
	else
		atomic_fetch_and(&watch, ~(unsigned)WATCH_MUTEX);
	return 0;
}

void mutex_watch_block(bool on)
{
	if (on && tables_init() < 0)
		return;
	if (on)
		atomic_fetch_or(&watch, WATCH_BLOCK);
	else
		atomic_fetch_and(&watch, ~(unsigned)WATCH_BLOCK);
}

static int mutex_sample(void *arg, const struct records_key *k, const int64_t *raw,
			int64_t *values, struct dump_label *labels, char *scratch)
{
	/* Already multiplied by the fraction when recorded (as Go does since 1.20). */
	values[0] = raw[0];
	values[1] = raw[1];
	return 0;
}

/* Describes the profile as of now; lost (2 values) is the caller's storage. */
static void describe_into(struct dump_kind *k, int64_t *lost)
{
	memset(k, 0, sizeof(*k));
	k->kind = "mutex";
	k->types[0] = "contentions";
	k->types[1] = "count";
	k->types[2] = "delay";
	k->types[3] = "nanoseconds";
	k->period_type = "contentions";
	k->period_unit = "count";
	k->period = 1;
	k->time_ns = now_realtime();
	k->thread_labels = true;
	k->records = &records;
	k->sample = mutex_sample;
	lost[0] = atomic_load(&n_lost);
	lost[1] = atomic_load(&lost_ns);
	k->lost = lost[0] || lost[1] ? lost : NULL;
}

static int describe_source(struct dump_kind *k)
{
	/* dump.c describes and builds one source at a time. */
	static int64_t lost[2];

	describe_into(k, lost);
	return 0;
}

size_t mutex_count(void)
{
	return records.index ? atomic_load(&records.n) : 0;
}

int mutex_register(void)
{
	static const struct dump_source source = {
		.name = "mutex",
		.description = "Stack traces of holders of contended mutexes",
		.describe = describe_source,
		.count = mutex_count,
	};

	return dump_register(&source);
}

int mutex_write_profile(const char *path)
{
	struct dump_kind k;
	int64_t lost[2];

	describe_into(&k, lost);
	return dump_profile(&k, path);
}

void mutex_print_stats(void)
{
	char line[256];

	snprintf(line, sizeof(line), "stats: mutex contentions recorded %lld (lost %lld), %zu records",
		 (long long)atomic_load(&n_counted), (long long)atomic_load(&n_lost), mutex_count());
	log_write_sig(line);
}

void mutex_fork_child(void)
{
	/* The parent's other threads are gone, and so are their waits. */
	if (waits)
		madvise(waits, CPROF_LOCK_WAITS_MAX * sizeof(*waits), MADV_DONTNEED);
	atomic_store(&n_waiting, 0);
	records_clear(&records);
	atomic_store(&n_lost, 0);
	atomic_store(&lost_ns, 0);
	atomic_store(&n_counted, 0);
	pthread_mutex_init(&init_lock, NULL);
}

/* --- signal context --- */

static uint64_t rand_sig(void)
{
	uint64_t x = rng;

	if (unlikely(!x))
		x = (uint64_t)(uintptr_t)&rng * 0x9e3779b97f4a7c15ull ^ (uint64_t)block_now_sig();
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng = x | 1;
	return x;
}

static uint32_t hash_sig(uint64_t addr)
{
	addr ^= addr >> 29;
	addr *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(addr >> 32);
}

static struct waits_entry *entry_sig(uint64_t addr, int probe)
{
	return &waits[(hash_sig(addr) + (uint32_t)probe) & (CPROF_LOCK_WAITS_MAX - 1)];
}

/* Counts a waiter of addr in e, claiming e if it is free. */
static bool take_count_sig(struct waits_entry *e, uint64_t addr)
{
	uint64_t k = atomic_load(&e->key);

	for (int tries = 0; tries < 64; tries++) {
		uint64_t n = k & KEY_COUNT_MAX, want;

		if (n == 0)
			want = addr << KEY_SHIFT | 1;
		else if (k >> KEY_SHIFT == addr && n < KEY_COUNT_MAX)
			want = k + 1;
		else
			return false;
		if (atomic_compare_exchange_weak(&e->key, &k, want))
			return true;
	}
	return false;
}

/*
 * Publishes a wait for lock that started at t0 (for a read lock: reader), if this
 * contention is sampled.
 */
static bool wait_begin_sig(const void *lock, int64_t t0, bool reader, struct waits_ref *ref)
{
	uint64_t addr = (uint64_t)(uintptr_t)lock;
	int f = atomic_load_explicit(&fraction, memory_order_relaxed);

	if (f <= 0 || !waits || addr >> (64 - KEY_SHIFT) || !addr)
		return false;
	if (f > 1 && rand_sig() % (uint64_t)f != 0)
		return false;
	for (int p = 0; p < WAITS_PROBES; p++) {
		struct waits_entry *e = entry_sig(addr, p);

		if (!take_count_sig(e, addr))
			continue;
		for (int i = 0; i < WAITS_SLOTS; i++) {
			int64_t free_slot = 0;

			if (atomic_compare_exchange_strong(&e->since[i], &free_slot,
							   (t0 & TIME_MASK) | (reader ? READER : 0))) {
				ref->e = e;
				ref->slot = i;
				ref->tag = (uint32_t)addr;
				ref->t0 = t0;
				atomic_fetch_add(&n_waiting, 1);
				return true;
			}
		}
		atomic_fetch_sub(&e->key, 1);
	}
	return false;
}

/* Adds v (scaled values) to record id, or counts them lost. */
static void add_sig(uint32_t id, const int64_t *v)
{
	if (id) {
		records_add_id_sig(&records, id, v, 2);
		atomic_fetch_add_explicit(&n_counted, v[0], memory_order_relaxed);
		return;
	}
	atomic_fetch_add_explicit(&n_lost, v[0], memory_order_relaxed);
	atomic_fetch_add_explicit(&lost_ns, v[1], memory_order_relaxed);
}

/* Takes e's handed-over wake-ups and adds them to record id. */
static void take_tails_sig(struct waits_entry *e, uint32_t id)
{
	int64_t v[2];

	v[1] = atomic_exchange(&e->tail_ns, 0);
	v[0] = atomic_exchange(&e->tail_n, 0);
	if (v[0] || v[1])
		add_sig(id, v);
}

/*
 * The wait is over at t1 (the lock acquired, or timed out, if charge): unpublishes it,
 * and charges what no unlock charged to the record of the release that ended it.
 */
static void wait_end_sig(const struct waits_ref *ref, int64_t t1, bool charge)
{
	struct waits_entry *e = ref->e;
	int64_t s = atomic_exchange(&e->since[ref->slot], 0), from = s & TIME_MASK;
	int64_t rel_ns, f, v[2];
	uint64_t rel;

	atomic_fetch_sub(&e->key, 1);
	atomic_fetch_sub(&n_waiting, 1);
	rel = atomic_load(&e->release);
	rel_ns = atomic_load(&e->release_ns);
	f = atomic_load_explicit(&fraction, memory_order_relaxed);
	if (!charge || t1 <= from || f <= 0 || (uint32_t)rel != ref->tag || rel_ns < ref->t0)
		return;
	v[0] = (s & COUNTED ? 0 : 1) * f;
	v[1] = (t1 - from) * f;
	if (rel >> 32) {
		add_sig((uint32_t)(rel >> 32), v);
		return;
	}
	/* Its unlock is still recording: hand the rest over, unless it finished meanwhile. */
	atomic_fetch_add(&e->tail_n, v[0]);
	atomic_fetch_add(&e->tail_ns, v[1]);
	rel = atomic_load(&e->release);
	if ((uint32_t)rel == ref->tag && rel >> 32)
		take_tails_sig(e, (uint32_t)(rel >> 32));
}

/* Adds count contentions and delay ns, scaled by the fraction, at the caller's stack. */
static uint32_t record_sig(int64_t count, int64_t delay)
{
	int64_t f = atomic_load_explicit(&fraction, memory_order_relaxed), v[2];
	struct records_key k;
	uint32_t id = 0;

	if (f <= 0)
		return 0;
	v[0] = count * f;
	v[1] = delay * f;
	cprof_tls.in_cprof++;
	if (block_key_sig(&k, 0))
		id = records_intern_sig(&records, &k);
	add_sig(id, v);
	cprof_tls.in_cprof--;
	return id;
}

/*
 * The first half of an unlock, before the real one: charges the waiters of lock up to
 * now (into c; a read unlock leaves waiting readers alone) and marks their entries as
 * being released. False when nobody waited.
 */
static bool charge_begin_sig(const void *lock, bool read_unlock, struct charge *c)
{
	uint64_t addr = (uint64_t)(uintptr_t)lock;

	if (cprof_tls.in_cprof || !waits || addr >> (64 - KEY_SHIFT))
		return false;
	c->now = block_now_sig() & TIME_MASK;
	c->delay = c->count = 0;
	c->tag = (uint32_t)addr;
	c->n = 0;
	for (int p = 0; p < WAITS_PROBES; p++) {
		struct waits_entry *e = entry_sig(addr, p);
		uint64_t k = atomic_load(&e->key);
		bool hit = false;

		if (!k)
			break;	/* never used: no waiter of addr went further */
		if (k >> KEY_SHIFT != addr || !(k & KEY_COUNT_MAX))
			continue;
		for (int i = 0; i < WAITS_SLOTS; i++) {
			int64_t s = atomic_load(&e->since[i]), from = s & TIME_MASK;

			if (!s || from >= c->now || (read_unlock && (s & READER)) ||
			    !atomic_compare_exchange_strong(&e->since[i], &s,
							    c->now | COUNTED | (s & READER)))
				continue;
			c->delay += c->now - from;
			c->count += !(s & COUNTED);
			hit = true;
		}
		if (hit) {
			atomic_store(&e->release_ns, c->now);
			atomic_store(&e->release, c->tag);
			c->e[c->n++] = e;
		}
	}
	return c->n > 0;
}

/*
 * The second half, after the real unlock (released: it succeeded): records the charge
 * at the caller's stack and publishes the record for the waiters' wake-ups.
 */
static void charge_end_sig(const struct charge *c, bool released)
{
	uint32_t id = released ? record_sig(c->count, c->delay) : 0;

	for (int i = 0; i < c->n; i++) {
		struct waits_entry *e = c->e[i];

		if (!id) {
			/* Nothing to charge the wake-ups to: they are dropped. */
			atomic_store(&e->release_ns, 0);
			continue;
		}
		atomic_store(&e->release, (uint64_t)id << 32 | c->tag);
		take_tails_sig(e, id);
	}
}

void mutex_release_sig(const void *lock)
{
	struct charge c;
	int saved;

	if (likely(atomic_load(&n_waiting) <= 0))
		return;
	saved = errno;
	if (charge_begin_sig(lock, false, &c))
		charge_end_sig(&c, true);
	errno = saved;
}

/* One lock call: which (a block_call), on what, and its deadline if timed. */
struct lock_op {
	enum block_call call;
	void *lock;
	clockid_t clock;
	const struct timespec *abstime;
};

/* real_fn(...), resolved first if cprof's constructor has not run yet; ENOSYS if none. */
#define CALL_REAL(real_fn, ...)							\
	(likely(real_fn != NULL) || (real_init(), real_fn != NULL) ? real_fn(__VA_ARGS__) : ENOSYS)

static int lock_real_sig(const struct lock_op *op)
{
	switch (op->call) {
	case BLOCK_MUTEX_LOCK:
		return CALL_REAL(real_pthread_mutex_lock, op->lock);
	case BLOCK_MUTEX_TIMEDLOCK:
		return CALL_REAL(real_pthread_mutex_timedlock, op->lock, op->abstime);
	case BLOCK_MUTEX_CLOCKLOCK:
		return CALL_REAL(real_pthread_mutex_clocklock, op->lock, op->clock, op->abstime);
	case BLOCK_RWLOCK_RDLOCK:
		return CALL_REAL(real_pthread_rwlock_rdlock, op->lock);
	case BLOCK_RWLOCK_TIMEDRDLOCK:
		return CALL_REAL(real_pthread_rwlock_timedrdlock, op->lock, op->abstime);
	case BLOCK_RWLOCK_CLOCKRDLOCK:
		return CALL_REAL(real_pthread_rwlock_clockrdlock, op->lock, op->clock, op->abstime);
	case BLOCK_RWLOCK_WRLOCK:
		return CALL_REAL(real_pthread_rwlock_wrlock, op->lock);
	case BLOCK_RWLOCK_TIMEDWRLOCK:
		return CALL_REAL(real_pthread_rwlock_timedwrlock, op->lock, op->abstime);
	case BLOCK_RWLOCK_CLOCKWRLOCK:
		return CALL_REAL(real_pthread_rwlock_clockwrlock, op->lock, op->clock, op->abstime);
	default:
		return EINVAL;
	}
}

static int try_real_sig(const struct lock_op *op)
{
	switch (op->call) {
	case BLOCK_MUTEX_LOCK:
	case BLOCK_MUTEX_TIMEDLOCK:
	case BLOCK_MUTEX_CLOCKLOCK:
		return real_pthread_mutex_trylock(op->lock);
	case BLOCK_RWLOCK_RDLOCK:
	case BLOCK_RWLOCK_TIMEDRDLOCK:
	case BLOCK_RWLOCK_CLOCKRDLOCK:
		return real_pthread_rwlock_tryrdlock(op->lock);
	default:
		return real_pthread_rwlock_trywrlock(op->lock);
	}
}

/* The lock was busy: wait for it with the real call, timed, published as a wait. */
static int contended_sig(const struct lock_op *op)
{
	struct waits_ref ref;
	int64_t t0, t1;
	bool published, waited;
	int saved = errno, rc;

	t0 = block_now_sig();
	published = wait_begin_sig(op->lock, t0, op->call >= BLOCK_RWLOCK_RDLOCK &&
				   op->call <= BLOCK_RWLOCK_CLOCKRDLOCK, &ref);
	errno = saved;
	rc = lock_real_sig(op);
	saved = errno;
	t1 = block_now_sig();
	/* EDEADLK, EINVAL...: the real call refused without waiting. */
	waited = rc == 0 || rc == EOWNERDEAD || rc == ETIMEDOUT;
	if (published)
		wait_end_sig(&ref, t1, waited);
	if (waited)
		block_event_sig(op->call, t1 - t0);
	errno = saved;
	return rc;
}

/*
 * glibc's mutex kind bits (nptl/pthreadP.h, the same since 2.4) for the kinds whose
 * trylock is not a side-effect-free "lock unless busy": a robust mutex that is not
 * recoverable stays locked by a failed trylock (the unlock is skipped), and a
 * priority-protected one changes the thread's priority and back.
 */
#define KIND_ROBUST	16
#define KIND_PRIO_PROTECT	64

/* The trylock said rc: anything but EBUSY is for the real lock to answer. */
static __attribute__((noinline)) int busy_sig(enum block_call call, void *lock, int rc)
{
	const struct lock_op op = { call, lock, 0, NULL };

	if (rc != EBUSY || cprof_tls.in_cprof)
		return lock_real_sig(&op);
	return contended_sig(&op);
}

static inline bool special_kind_sig(const pthread_mutex_t *m)
{
	return m->__data.__kind & (KIND_ROBUST | KIND_PRIO_PROTECT);
}

/*
 * Robust and priority-protected mutexes: a lock word that is not 0 (the lock is held, by
 * a thread that has not died) and an owner that is not this thread make a contention;
 * otherwise the real lock, as is.
 * The peek only reads the mutex, so the lock behaves exactly as before; a lock released
 * between the peek and the real call counts as a short contention.
 */
static __attribute__((noinline)) int special_sig(const struct lock_op *op)
{
	pthread_mutex_t *m = op->lock;
	int word = *(volatile int *)&m->__data.__lock;
	int owner = *(volatile int *)&m->__data.__owner;
	struct thread *t = threads_self_sig();

	if (!word || (word & FUTEX_OWNER_DIED) || cprof_tls.in_cprof || (t && owner == t->tid))
		return lock_real_sig(op);
	return contended_sig(op);
}

/*
 * The lock wrappers' common path, out of line: the real lock (resolved first if this is
 * a call before cprof's constructor) when nothing watches locks; else the
 * real trylock, which for the other mutex kinds and rwlocks acquires exactly when the
 * lock would have without waiting (a recursive mutex's owner, a robust mutex whose owner
 * died: EOWNERDEAD) and changes nothing when it fails. Any other answer than EBUSY is
 * left to the real lock, which gives its own (EDEADLK for an error-checking mutex's
 * owner, EAGAIN, EINVAL...).
 */
static __attribute__((noinline)) int lock_sig(enum block_call call, void *lock, clockid_t clock,
					      const struct timespec *abstime)
{
	const struct lock_op op = { call, lock, clock, abstime }, *o = &op;
	int rc;

	if (!atomic_load_explicit(&watch, memory_order_relaxed))
		return lock_real_sig(o);
	if (call <= BLOCK_MUTEX_CLOCKLOCK && unlikely(special_kind_sig(lock)))
		return special_sig(o);
	rc = try_real_sig(o);
	if (rc == 0 || rc == EOWNERDEAD)
		return rc;
	if (rc != EBUSY || cprof_tls.in_cprof)
		return lock_real_sig(o);
	return contended_sig(o);
}

/*
 * The unlock wrappers' path when some thread waits somewhere: its waiters are charged
 * before the real unlock, so none can leave uncharged; a mutex only by its owner (an
 * error-checking mutex's unlock by another thread fails); an rwlock's readers only by
 * its writer (glibc's __cur_writer tells a write unlock from a read unlock).
 */
static __attribute__((noinline)) int unlock_sig(void *lock, bool rw)
{
	struct thread *t = threads_self_sig();
	pthread_rwlock_t *l = lock;
	pthread_mutex_t *m = lock;
	struct charge c;
	bool charged;
	int saved = errno, rc;

	if (rw)
		charged = charge_begin_sig(lock, !t || l->__data.__cur_writer != t->tid, &c);
	else
		charged = (!t || m->__data.__owner == t->tid) && charge_begin_sig(lock, false, &c);
	errno = saved;
	if (rw)
		rc = CALL_REAL(real_pthread_rwlock_unlock, lock);
	else
		rc = CALL_REAL(real_pthread_mutex_unlock, lock);
	if (charged) {
		saved = errno;
		charge_end_sig(&c, rc == 0);
		errno = saved;
	}
	return rc;
}

/*
 * The wrappers. When nothing watches locks: a load, a test and a jump to the real
 * function. The hot ones (mutex lock, rwlock read and write lock) also keep the
 * uncontended watched path inline: one real trylock.
 */
CPROF_EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
	unsigned w = atomic_load_explicit(&watch, memory_order_relaxed);
	int rc;

	if (likely(!w) && likely(real_pthread_mutex_lock != NULL))
		return real_pthread_mutex_lock(m);
	/* Watching implies real_init has run (mutex_start, block_start). */
	if (!w || special_kind_sig(m))
		return lock_sig(BLOCK_MUTEX_LOCK, m, 0, NULL);
	/*
	 * A free lock word: the real lock takes it at once, with no trylock before it (glibc's
	 * trylock costs more than its lock). A lock taken by another thread between this read
	 * and the real call is a contention that goes unmeasured; it lasts one critical section.
	 */
	if (likely(*(volatile int *)&m->__data.__lock == 0))
		return real_pthread_mutex_lock(m);
	rc = real_pthread_mutex_trylock(m);
	if (likely(rc == 0 || rc == EOWNERDEAD))
		return rc;
	return busy_sig(BLOCK_MUTEX_LOCK, m, rc);
}

CPROF_EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	return lock_sig(BLOCK_MUTEX_TIMEDLOCK, m, 0, abstime);
}

CPROF_EXPORT int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clock,
					 const struct timespec *abstime)
{
	return lock_sig(BLOCK_MUTEX_CLOCKLOCK, m, clock, abstime);
}

CPROF_EXPORT int pthread_mutex_unlock(pthread_mutex_t *m)
{
	/*
	 * Waiters are looked for before the unlock: one that comes between the two loses
	 * only the nanoseconds it waited for this unlock.
	 */
	if (likely(atomic_load_explicit(&n_waiting, memory_order_relaxed) <= 0) &&
	    likely(real_pthread_mutex_unlock != NULL))
		return real_pthread_mutex_unlock(m);
	return unlock_sig(m, false);
}

CPROF_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	unsigned w = atomic_load_explicit(&watch, memory_order_relaxed);
	int rc;

	if (likely(!w) && likely(real_pthread_rwlock_rdlock != NULL))
		return real_pthread_rwlock_rdlock(l);
	if (!w)
		return lock_sig(BLOCK_RWLOCK_RDLOCK, l, 0, NULL);
	rc = real_pthread_rwlock_tryrdlock(l);
	if (likely(rc == 0))
		return rc;
	return busy_sig(BLOCK_RWLOCK_RDLOCK, l, rc);
}

CPROF_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
	return lock_sig(BLOCK_RWLOCK_TIMEDRDLOCK, l, 0, abstime);
}

CPROF_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t clock,
					    const struct timespec *abstime)
{
	return lock_sig(BLOCK_RWLOCK_CLOCKRDLOCK, l, clock, abstime);
}

CPROF_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	unsigned w = atomic_load_explicit(&watch, memory_order_relaxed);
	int rc;

	if (likely(!w) && likely(real_pthread_rwlock_wrlock != NULL))
		return real_pthread_rwlock_wrlock(l);
	if (!w)
		return lock_sig(BLOCK_RWLOCK_WRLOCK, l, 0, NULL);
	rc = real_pthread_rwlock_trywrlock(l);
	if (likely(rc == 0))
		return rc;
	return busy_sig(BLOCK_RWLOCK_WRLOCK, l, rc);
}

CPROF_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *abstime)
{
	return lock_sig(BLOCK_RWLOCK_TIMEDWRLOCK, l, 0, abstime);
}

CPROF_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t clock,
					    const struct timespec *abstime)
{
	return lock_sig(BLOCK_RWLOCK_CLOCKWRLOCK, l, clock, abstime);
}

CPROF_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	if (likely(atomic_load_explicit(&n_waiting, memory_order_relaxed) <= 0) &&
	    likely(real_pthread_rwlock_unlock != NULL))
		return real_pthread_rwlock_unlock(l);
	return unlock_sig(l, true);
}
