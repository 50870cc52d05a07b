/*
 * heap.c: the heap and allocs collector: the sampler's slow path (stack capture and the
 * record), the live table of sampled blocks and its filter, and the two profiles. The
 * interposed allocator functions are in heap_wrap.c; both profiles come from one record
 * table whose counters only grow (allocated and freed objects and bytes).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "env.h"
#include "heap.h"
#include "labels.h"
#include "log.h"
#include "profile.h"
#include "records.h"
#include "stacks.h"
#include "threads.h"
#include "unwind.h"

/*
 * The live table: 64-bit slots, each EMPTY, TOMB (a block that was freed) or a block:
 * its record id in the top 20 bits, its address / 16 in the low 44 (user addresses are
 * below 2^48, and the allocator's blocks 16-byte aligned). Slots are grouped in buckets of
 * CPROF_HEAP_BUCKET, two adjacent cache lines: a block lives in the first EMPTY or TOMB
 * slot of the bucket its address hashes to, so a search reads one or two lines (a bucket
 * of 8 would overflow, and grow the table, at a quarter full). Insert and remove are one
 * compare-and-swap. An address is inserted only while its block is allocated and removed
 * before it is freed, so it is in the table at most once (a stale copy left by a free
 * that bypassed us is replaced when an insert meets it).
 *
 * The table is a series of generations, separate regions of CPROF_HEAP_LIVE_MIN slots,
 * four times that, ... up to CPROF_HEAP_LIVE_MAX, used one after the other so that the
 * table costs memory in proportion to the sampled blocks alive at once: when an insert
 * finds its bucket full in every generation in use, inserts move on to the next. A block
 * stays where it was inserted; a search tries its bucket in each generation, the newest
 * first.
 */
#define LIVE_EMPTY	0
#define LIVE_TOMB	1
#define LIVE_ADDR_BITS	44
#define LIVE_ADDR_MASK	((1ull << LIVE_ADDR_BITS) - 1)
#define LIVE_ID_MAX	(1u << (64 - LIVE_ADDR_BITS))
#define LIVE_GENS_MAX	8

_Static_assert(CPROF_RECORDS_MAX < LIVE_ID_MAX, "record ids must fit a live slot");
_Static_assert((CPROF_HEAP_LIVE_MAX & (CPROF_HEAP_LIVE_MAX - 1)) == 0 &&
	       (CPROF_HEAP_LIVE_MIN & (CPROF_HEAP_LIVE_MIN - 1)) == 0 &&
	       CPROF_HEAP_LIVE_MIN <= CPROF_HEAP_LIVE_MAX, "live table sizes are powers of two");
_Static_assert(CPROF_HEAP_BUCKET * sizeof(uint64_t) == 128 && CPROF_HEAP_LIVE_MIN >= 64,
	       "a bucket is two cache lines");
_Static_assert((CPROF_HEAP_FILTER_MAX & (CPROF_HEAP_FILTER_MAX - 1)) == 0,
	       "the filter is a power of two");

/*
 * Bytes a thread allocates between looks at whether sampling has started: a few until
 * the process knows (its constructor ran), practically infinite once it knows that
 * nothing will start it (heap_stay_off), so that the wrappers' cost is one decrement.
 */
#define IDLE_BYTES	(16u << 10)
#define IDLE_FOREVER	(1ull << 62)

static _Atomic uint64_t idle_bytes = IDLE_BYTES;

CPROF_TLS struct heap_tls heap_tls;
_Atomic uint8_t *_Atomic heap_filter;

static struct {
	_Atomic bool on;
	int64_t rate;
	/* key: stack | tid, name | labels, size; values: objects, bytes allocated, freed */
	struct records records;
	_Atomic uint64_t *live;
	uint8_t live_shift[LIVE_GENS_MAX];	/* 64 - log2(each generation's slots) */
	uint32_t live_slots[LIVE_GENS_MAX];
	uint64_t live_start[LIVE_GENS_MAX];	/* its first slot */
	uint32_t live_gens_max;
	_Atomic uint32_t live_gens;		/* generations in use, >= 1 */
	/*
	 * No counter that every sample updates: on several threads it would be the one
	 * cache line they all fight for. Samples are counted from the records when needed.
	 */
	_Atomic bool sampled;		/* an allocation was recorded (since fork, in a child) */
	_Atomic uint64_t n_dropped;	/* sampled but not recorded (full table, no stack) */
	_Atomic uint64_t record_ns;	/* time spent recording samples (with CPROF_STATS) */
} heap;

static _Atomic uint8_t *filter_sig(void);
static uint64_t seed_sig(void);

static void *reserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Go's scaleHeapSample: a block of average size avg is sampled with probability
 * 1 - exp(-avg/rate); dividing by it un-samples (truncated, as Go does).
 */
static void unsample(int64_t count, int64_t size, int64_t rate, int64_t *c, int64_t *s)
{
	double avg, scale;

	if (count <= 0 || size <= 0) {
		*c = *s = 0;
		return;
	}
	if (rate <= 1) {
		*c = count;
		*s = size;
		return;
	}
	avg = (double)size / (double)count;
	scale = 1 / (1 - exp(-avg / (double)rate));
	*c = (int64_t)((double)count * scale);
	*s = (int64_t)((double)size * scale);
}

static int heap_sample(void *arg, const struct records_key *k, const int64_t *raw,
		       int64_t *values, struct dump_label *labels, char *scratch)
{
	int64_t objects = raw[0], bytes = raw[1];
	int64_t live_objects = raw[0] - raw[2], live_bytes = raw[1] - raw[3];

	if (objects <= 0)
		return -1;
	/* Counters are read one by one while frees go on: never show less than nothing. */
	if (live_objects < 0 || live_bytes < 0)
		live_objects = live_bytes = 0;
	unsample(objects, bytes, heap.rate, &values[0], &values[1]);
	unsample(live_objects, live_bytes, heap.rate, &values[2], &values[3]);
	if (bytes / objects == 0)
		return 0;
	labels[0].key = "bytes";
	labels[0].str = NULL;
	labels[0].num = bytes / objects;
	labels[0].unit = NULL;
	return 1;
}

static char comment[160];

static void describe(struct dump_kind *k, const char *name, const char *default_type)
{
	uint64_t dropped = atomic_load(&heap.n_dropped);

	memset(k, 0, sizeof(*k));
	k->kind = name;
	k->types[0] = "alloc_objects";
	k->types[1] = "count";
	k->types[2] = "alloc_space";
	k->types[3] = "bytes";
	k->types[4] = "inuse_objects";
	k->types[5] = "count";
	k->types[6] = "inuse_space";
	k->types[7] = "bytes";
	k->period_type = "space";
	k->period_unit = "bytes";
	k->period = heap.rate;
	k->default_type = default_type;
	k->time_ns = now_ns(CLOCK_REALTIME);
	k->thread_labels = true;
	k->records = &heap.records;
	k->sample = heap_sample;
	if (dropped) {
		snprintf(comment, sizeof(comment),
			 "cprof: %llu sampled allocations are missing (a table was full, or "
			 "their stack could not be captured)",
			 (unsigned long long)dropped);
		k->comment = comment;
	}
}

static int describe_heap(struct dump_kind *k)
{
	describe(k, "heap", NULL);
	return 0;
}

static int describe_allocs(struct dump_kind *k)
{
	describe(k, "allocs", "alloc_space");
	return 0;
}

static size_t count_records(void)
{
	return atomic_load(&heap.records.n);
}

/* Go's net/http/pprof descriptions (Go 1.19). */
static const struct dump_source heap_source = {
	.name = "heap",
	.description = "A sampling of memory allocations of live objects. You can specify "
		       "the gc GET parameter to run GC before taking the heap sample.",
	.describe = describe_heap,
	.count = count_records,
};

static const struct dump_source allocs_source = {
	.name = "allocs",
	.description = "A sampling of all past memory allocations",
	.describe = describe_allocs,
	.count = count_records,
};

int heap_start(int64_t rate)
{
	_Atomic uint8_t *f;
	int rc;

	if (atomic_load(&heap.on))
		return 0;
	if (rate < 1)
		return -EINVAL;
	if (!heap.records.index) {
		rc = records_init(&heap.records, CPROF_RECORDS_MAX);
		if (rc < 0)
			return rc;
	}
	if (!heap.live) {
		uint64_t total = 0;

		heap.live_gens_max = 0;
		for (uint64_t n = CPROF_HEAP_LIVE_MIN; heap.live_gens_max < LIVE_GENS_MAX; n *= 4) {
			uint32_t slots = (uint32_t)(n < CPROF_HEAP_LIVE_MAX ? n : CPROF_HEAP_LIVE_MAX);

			heap.live_start[heap.live_gens_max] = total;
			heap.live_slots[heap.live_gens_max] = slots;
			heap.live_shift[heap.live_gens_max++] = (uint8_t)(64 - __builtin_ctz(slots));
			total += slots;
			if (n >= CPROF_HEAP_LIVE_MAX)
				break;
		}
		heap.live = reserve(total * sizeof(*heap.live));
		if (!heap.live)
			return -ENOMEM;
	}
	atomic_store(&heap.live_gens, 1);
	f = atomic_load(&heap_filter);
	if (!f && !(f = reserve(CPROF_HEAP_FILTER_MAX)))
		return -ENOMEM;
	heap.rate = rate;
	atomic_store(&heap_filter, f);
	dump_register(&heap_source);
	dump_register(&allocs_source);
	/* The calling thread samples from now on, not after its idle countdown. */
	heap_tls.left = 0;
	atomic_store(&heap.on, true);
	return 0;
}

void heap_stay_off(void)
{
	if (!atomic_load(&heap.on)) {
		atomic_store(&idle_bytes, IDLE_FOREVER);
		heap_tls.left = IDLE_FOREVER;
	}
}

bool heap_running(void)
{
	return atomic_load(&heap.on);
}

int heap_write_profile(const char *path, const char *name)
{
	struct profile *p = dump_build_source(name);
	int rc;

	if (!p)
		return -ENOMEM;
	rc = dump_write(path, name, p);
	profile_free(p);
	return rc;
}

bool heap_sampled(void)
{
	return atomic_load(&heap.sampled);
}

static void count_one(void *arg, uint32_t id, const struct records_key *k, const int64_t *v)
{
	*(uint64_t *)arg += (uint64_t)v[0];
}

void heap_stats(char *buf, size_t size)
{
	uint64_t n = 0;

	records_foreach(&heap.records, count_one, &n);
	snprintf(buf, size, "stats: heap samples %llu (dropped %llu), sample mean %llu ns, "
		 "records %u, live table %u slots",
		 (unsigned long long)n, (unsigned long long)atomic_load(&heap.n_dropped),
		 (unsigned long long)(n ? atomic_load(&heap.record_ns) / n : 0),
		 atomic_load(&heap.records.n),
		 heap.live_slots[atomic_load(&heap.live_gens) - 1]);
}

void heap_fork_child(void)
{
	atomic_store(&heap.sampled, false);
	/* Parent and child would otherwise draw the same intervals from here on. */
	if (heap_tls.rng)
		heap_tls.rng = seed_sig();
}

/* --- signal context --- */

static uint64_t now_ns_sig(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* A seed that differs between threads (their TLS) and runs (the clock); never 0. */
static uint64_t seed_sig(void)
{
	uint64_t z = (uint64_t)(uintptr_t)&heap_tls ^ now_ns_sig();

	/* splitmix64's finaliser */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return z ? z : 1;
}

/*
 * Natural logarithm of x >= 1: the exponent, plus 2 atanh(z), z = (m-1)/(m+1), for the
 * mantissa m in [1, 2); z < 1/3, so 8 terms of the series leave an error below 1e-9.
 */
static double ln_sig(uint64_t x)
{
	int e = 63 - __builtin_clzll(x);
	double m = (double)x / (double)(1ull << e), z = (m - 1) / (m + 1), z2 = z * z;
	double p = 1.0 / 15;

	p = p * z2 + 1.0 / 13;
	p = p * z2 + 1.0 / 11;
	p = p * z2 + 1.0 / 9;
	p = p * z2 + 1.0 / 7;
	p = p * z2 + 1.0 / 5;
	p = p * z2 + 1.0 / 3;
	p = p * z2 + 1;
	return e * 0.6931471805599453 + 2 * z * p;
}

/*
 * Bytes until the next sample: exponentially distributed with mean rate, as Go's
 * fastexprand draws it (a 26-bit uniform q, -ln(q / 2^26) * rate, plus one).
 */
static uint64_t next_sig(struct heap_tls *h)
{
	uint64_t x = h->rng, q;
	double l;

	if (heap.rate <= 1)
		return 0;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	h->rng = x;
	q = (x >> 38) + 1;
	l = ln_sig(q) - 26 * 0.6931471805599453;
	if (l > 0)
		l = 0;
	return (uint64_t)(-l * (double)heap.rate) + 1;
}

static _Atomic uint8_t *filter_sig(void)
{
	return atomic_load_explicit(&heap_filter, memory_order_relaxed);
}

/* Counts one more sampled block in a filter byte; 255 sticks (always "maybe"). */
static bool filter_inc_sig(_Atomic uint8_t *c)
{
	uint8_t v = atomic_load_explicit(c, memory_order_relaxed);

	for (int tries = 0; tries < 64; tries++) {
		if (v == 255)
			return true;
		if (atomic_compare_exchange_weak(c, &v, (uint8_t)(v + 1)))
			return true;
	}
	return false;
}

static void filter_dec_sig(_Atomic uint8_t *c)
{
	uint8_t v = atomic_load_explicit(c, memory_order_relaxed);

	/* Giving up leaves the byte high: a false "maybe" costs a table search, nothing more. */
	for (int tries = 0; tries < 64; tries++) {
		if (v == 255 || v == 0)
			return;
		if (atomic_compare_exchange_weak(c, &v, (uint8_t)(v - 1)))
			return;
	}
}

/* Fibonacci hashing: the top bits of the product are the well-mixed ones. */
static uint64_t live_hash_sig(uint64_t a4)
{
	return a4 * 0x9e3779b97f4a7c15ull;
}

/* The bucket of hash h in generation g (0-based). */
static _Atomic uint64_t *live_bucket_sig(uint64_t h, uint32_t g)
{
	return &heap.live[heap.live_start[g] +
			  ((h >> heap.live_shift[g]) & ~(uint64_t)(CPROF_HEAP_BUCKET - 1))];
}

static bool live_is_free_sig(uint64_t slot)
{
	return slot == LIVE_EMPTY || slot == LIVE_TOMB;
}

/* Moves inserts on from generation gens (1-based) to the next; false at the last. */
static bool live_grow_sig(uint32_t gens)
{
	if (gens >= heap.live_gens_max)
		return false;
	atomic_compare_exchange_strong(&heap.live_gens, &gens, gens + 1);
	return true;
}

/*
 * Inserts block a (16-byte aligned) charged to record id into the first free slot of its
 * bucket in generation gens. A copy of a's address met before that slot is a block freed
 * behind our back (the allocator handed its address out again): it is replaced, as it
 * would hide the new one from searches. 0, or -ENOSPC when the bucket is full.
 */
static int live_insert_gen_sig(uintptr_t a, uint32_t id, uint32_t gens)
{
	uint64_t a4 = a >> 4, key = (uint64_t)id << LIVE_ADDR_BITS | a4;
	_Atomic uint64_t *b = live_bucket_sig(live_hash_sig(a4), gens - 1);

	for (int i = 0; i < CPROF_HEAP_BUCKET; i++) {
		uint64_t cur = atomic_load_explicit(&b[i], memory_order_relaxed);

		if (live_is_free_sig(cur)) {
			if (atomic_compare_exchange_strong(&b[i], &cur, key))
				return 0;
		} else if ((cur & LIVE_ADDR_MASK) == a4 &&
			   atomic_compare_exchange_strong(&b[i], &cur, key)) {
			heap_freed_sig((uint32_t)(cur >> LIVE_ADDR_BITS));
			filter_dec_sig(&filter_sig()[heap_filter_index_sig((void *)a)]);
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * Inserts block a in the newest generation or, when its bucket there is full, in an older
 * one (they have room where blocks were freed); only when every generation's bucket is
 * full does the table grow, so that it stays about as large as the blocks alive need.
 */
static int live_insert_sig(uintptr_t a, uint32_t id)
{
	for (int tries = 0; tries < 3; tries++) {
		uint32_t gens = atomic_load_explicit(&heap.live_gens, memory_order_acquire);

		for (uint32_t g = gens; g > 0; g--)
			if (live_insert_gen_sig(a, id, g) == 0)
				return 0;
		if (!live_grow_sig(gens))
			break;
	}
	return -ENOSPC;
}

uint32_t heap_take_sig(void *p)
{
	uint64_t a4 = (uintptr_t)p >> 4, hash = live_hash_sig(a4);
	uint32_t gens;
	_Atomic uint8_t *f = filter_sig();

	if (!heap.live || !f)
		return 0;
	gens = atomic_load_explicit(&heap.live_gens, memory_order_acquire);
	/* Newest generation first: blocks inserted lately are the likeliest to be freed. */
	for (uint32_t g = gens; g-- > 0;) {
		_Atomic uint64_t *b = live_bucket_sig(hash, g);

		for (int i = 0; i < CPROF_HEAP_BUCKET; i++) {
			uint64_t cur = atomic_load_explicit(&b[i], memory_order_acquire);

			/* Slots never go back to EMPTY: the rest of the bucket has never been used. */
			if (cur == LIVE_EMPTY)
				break;
			/* A failed exchange is a double free racing with ours: look on. */
			if (cur != LIVE_TOMB && (cur & LIVE_ADDR_MASK) == a4 &&
			    atomic_compare_exchange_strong(&b[i], &cur, LIVE_TOMB)) {
				filter_dec_sig(&f[heap_filter_index_sig(p)]);
				return (uint32_t)(cur >> LIVE_ADDR_BITS);
			}
		}
	}
	return 0;
}

void heap_freed_sig(uint32_t id)
{
	int64_t v[4] = { 0, 0, 1, 0 };

	if (CPROF_NEVER(id == 0 || id > heap.records.max))
		return;
	v[3] = (int64_t)heap.records.entries[id - 1].key.w[2];
	records_add_id_sig(&heap.records, id, v, 4);
}

/* Adds block p to the live table and its filter byte. 0, or -ENOSPC (nothing changed). */
static int track_sig(void *p, uint32_t id)
{
	uintptr_t a = (uintptr_t)p;
	_Atomic uint8_t *c = &filter_sig()[heap_filter_index_sig(p)];

	/* An unusual allocator's unaligned or high block cannot be keyed: not tracked. */
	if ((a & 15) || (a >> 48) || id >= LIVE_ID_MAX)
		return -EINVAL;
	/* The filter first: whoever can find the block in the table must pass the filter. */
	if (!filter_inc_sig(c))
		return -ENOSPC;
	if (live_insert_sig(a, id) < 0) {
		filter_dec_sig(c);
		return -ENOSPC;
	}
	return 0;
}

void heap_untake_sig(void *p, uint32_t id)
{
	if (track_sig(p, id) < 0) {
		heap_freed_sig(id);
		atomic_fetch_add_explicit(&heap.n_dropped, 1, memory_order_relaxed);
	}
}

/* Records the allocation of n bytes at p with the caller's stack. */
static void record_sig(void *p, size_t n)
{
	struct thread *t = threads_self_sig();
	uint64_t local[64], *pcs = local;
	int64_t v[2] = { 1, (int64_t)n };
	int max = (int)ARRAY_SIZE(local), depth;
	struct records_key k;
	uint32_t stack = 0, id;
	unsigned flags;
	pid_t tid;

	/* The slot's buffer is ours while in_cprof is set: a nested call does not record. */
	cprof_tls.in_cprof++;
	if (t && t->pcs) {
		pcs = t->pcs;
		max = env.depth;
	}
	/* Without a slot (its thread is exiting, or the registry is full), what TLS knows. */
	depth = unwind_here_sig(t ? t->stack_lo : cprof_tls.stack_lo,
				 t ? t->stack_hi : cprof_tls.stack_hi, pcs, max, &flags);
	if (depth > 0)
		stack = stacks_intern_sig(pcs, depth, flags);
	if (!stack)
		goto drop;
	tid = t ? t->tid : (pid_t)syscall(SYS_gettid);
	k.w[0] = stack | (uint64_t)(uint32_t)tid << 32;
	k.w[1] = (t ? threads_name_sig(t) : 0) | (uint64_t)labels_current_sig() << 32;
	k.w[2] = n;
	id = records_intern_sig(&heap.records, &k);
	if (!id || track_sig(p, id) < 0)
		goto drop;
	records_add_id_sig(&heap.records, id, v, 2);
	if (!atomic_load_explicit(&heap.sampled, memory_order_relaxed))
		atomic_store_explicit(&heap.sampled, true, memory_order_relaxed);
	goto out;
drop:
	atomic_fetch_add_explicit(&heap.n_dropped, 1, memory_order_relaxed);
out:
	cprof_tls.in_cprof--;
}

void *heap_sample_sig(void *p, size_t n)
{
	struct heap_tls *h = &heap_tls;

	/* Inside another wrapper's real call: the outer wrapper accounts for it. */
	if (!p || h->nest)
		return p;
	if (!atomic_load_explicit(&heap.on, memory_order_relaxed)) {
		h->left = atomic_load_explicit(&idle_bytes, memory_order_relaxed);
		return p;
	}
	/* A thread's first look: draw its first interval, as Go does for a new mcache. */
	if (unlikely(!h->rng)) {
		h->rng = seed_sig();
		h->left = next_sig(h);
		if (n < h->left) {
			h->left -= n;
			return p;
		}
	}
	h->left = next_sig(h);
	/* The profiler's own allocations are never recorded. */
	if (!cprof_tls.in_cprof) {
		int saved = errno;
		uint64_t t0 = env.stats ? now_ns_sig() : 0;

		record_sig(p, n);
		if (t0)
			atomic_fetch_add_explicit(&heap.record_ns, now_ns_sig() - t0,
						  memory_order_relaxed);
		errno = saved;
	}
	return p;
}
