/*
 * labels.c: label sets and cprof.h's label entry points (Go's pprof.Do, WithLabels,
 * SetGoroutineLabels, Label, ForLabels). Strings and sets are interned in preallocated
 * tables read without locks, so entering a region whose set was seen before costs two
 * string probes and one set probe and allocates nothing; only a new string or set takes
 * the insert lock. A thread's current set is one TLS word, which signal handlers read.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "real.h"
#include "common.h"
#include "dump.h"
#include "labels.h"
#include "limits.h"
#include "log.h"
#include "threads.h"

/*
 * Tables, all reserved at start-up (MAP_NORESERVE). A string is chars[off, off + len]
 * (NUL-terminated); a set is pairs[2 * off ..) holding n (key string, value string) id
 * pairs sorted by key id, so that equal sets are equal arrays. Ids are entry + 1. Each
 * index maps a hash slot to an id; an entry is filled under the lock and published by a
 * release store into its slot, and never changes afterwards.
 */
struct lstr {
	uint64_t hash;
	uint32_t off, len;
};

struct lset {
	uint64_t hash;
	uint32_t off;
	uint32_t n;
};

#define STR_SLOTS	(2 * CPROF_LABEL_STRINGS_MAX)
#define SET_SLOTS	(2 * CPROF_LABEL_SETS_MAX)

static struct lstr *strs;
static char *chars;
static struct lset *sets;
static uint32_t *pairs;
static _Atomic uint32_t *str_index, *set_index;
static uint32_t n_strs, n_chars, n_sets, n_pairs;	/* under lock */
static _Atomic uint32_t n_sets_published;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool ready;
static _Atomic uint64_t n_dropped;

static CPROF_TLS uint32_t current;

/*
 * Each thread remembers its last few pushes: (base set, the key and value pointers) ->
 * the set they made and the strings' ids. A hit is checked against the interned strings'
 * contents (a buffer may have been rewritten since), so it is only a shortcut: comparing
 * a few short strings instead of hashing them and probing three tables.
 */
#define MEMO_SLOTS	4
#define MEMO_PAIRS	4

struct memo {
	uint32_t base, set, n;
	const char *kv[2 * MEMO_PAIRS];
	uint32_t id[2 * MEMO_PAIRS];
};

static CPROF_TLS struct memo memo[MEMO_SLOTS];

static void *reserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void fork_prepare(void)
{
	real_mutex_lock(&lock);
}

static void fork_done(void)
{
	real_mutex_unlock(&lock);
}

int labels_init(void)
{
	if (atomic_load(&ready))
		return 0;
	strs = reserve(CPROF_LABEL_STRINGS_MAX * sizeof(*strs));
	chars = reserve(CPROF_LABEL_BYTES_MAX);
	sets = reserve(CPROF_LABEL_SETS_MAX * sizeof(*sets));
	pairs = reserve((size_t)CPROF_LABEL_SETS_MAX * CPROF_LABELS_PER_SET_MAX * 2 * sizeof(*pairs));
	str_index = reserve(STR_SLOTS * sizeof(*str_index));
	set_index = reserve(SET_SLOTS * sizeof(*set_index));
	if (!strs || !chars || !sets || !pairs || !str_index || !set_index)
		return -ENOMEM;
	pthread_atfork(fork_prepare, fork_done, fork_done);
	atomic_store(&ready, true);
	return 0;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static uint64_t hash_pairs(const uint32_t *kv, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (uint32_t i = 0; i < 2 * n; i++) {
		h ^= kv[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

/* The id of string s[0..len) with hash h, or 0; *slot gets the empty slot that ended the probe. */
static uint32_t str_find(const char *s, uint32_t len, uint64_t h, uint32_t *slot)
{
	for (uint32_t i = 0, at = (uint32_t)h & (STR_SLOTS - 1); i < STR_SLOTS;
	     i++, at = (at + 1) & (STR_SLOTS - 1)) {
		uint32_t id = atomic_load_explicit(&str_index[at], memory_order_acquire);
		const struct lstr *e;

		if (!id) {
			*slot = at;
			return 0;
		}
		e = &strs[id - 1];
		if (e->hash == h && e->len == len && !memcmp(chars + e->off, s, len))
			return id;
	}
	*slot = UINT32_MAX;
	return 0;
}

/* The id of string s (cut at CPROF_LABEL_LEN_MAX bytes), adding it; 0 when full. */
static uint32_t str_intern(const char *s)
{
	uint32_t len = (uint32_t)strnlen(s, CPROF_LABEL_LEN_MAX), slot, id;
	uint64_t h = hash_bytes(s, len);

	id = str_find(s, len, h, &slot);
	if (id)
		return id;
	real_mutex_lock(&lock);
	id = str_find(s, len, h, &slot);
	if (!id && slot != UINT32_MAX && n_strs < CPROF_LABEL_STRINGS_MAX &&
	    n_chars + len + 1 <= CPROF_LABEL_BYTES_MAX) {
		memcpy(chars + n_chars, s, len);
		chars[n_chars + len] = '\0';
		strs[n_strs] = (struct lstr){ h, n_chars, len };
		n_chars += len + 1;
		id = ++n_strs;
		atomic_store_explicit(&str_index[slot], id, memory_order_release);
	}
	real_mutex_unlock(&lock);
	return id;
}

static uint32_t set_find(const uint32_t *kv, uint32_t n, uint64_t h, uint32_t *slot)
{
	for (uint32_t i = 0, at = (uint32_t)h & (SET_SLOTS - 1); i < SET_SLOTS;
	     i++, at = (at + 1) & (SET_SLOTS - 1)) {
		uint32_t id = atomic_load_explicit(&set_index[at], memory_order_acquire);
		const struct lset *e;

		if (!id) {
			*slot = at;
			return 0;
		}
		e = &sets[id - 1];
		if (e->hash == h && e->n == n && !memcmp(pairs + 2 * e->off, kv, 2 * n * sizeof(*kv)))
			return id;
	}
	*slot = UINT32_MAX;
	return 0;
}

/* The id of the set kv[0..2n), adding it; 0 for the empty set, and when full. */
static uint32_t set_intern(const uint32_t *kv, uint32_t n)
{
	uint64_t h = hash_pairs(kv, n);
	uint32_t slot, id;

	if (!n)
		return 0;
	id = set_find(kv, n, h, &slot);
	if (id)
		return id;
	real_mutex_lock(&lock);
	id = set_find(kv, n, h, &slot);
	if (!id && slot != UINT32_MAX && n_sets < CPROF_LABEL_SETS_MAX) {
		memcpy(pairs + 2 * n_pairs, kv, 2 * n * sizeof(*kv));
		sets[n_sets] = (struct lset){ h, n_pairs, n };
		n_pairs += n;
		id = ++n_sets;
		atomic_store_explicit(&n_sets_published, n_sets, memory_order_release);
		atomic_store_explicit(&set_index[slot], id, memory_order_release);
	}
	real_mutex_unlock(&lock);
	return id;
}

/* The set with this id, or NULL for the empty set and ids labels.c never gave out. */
static const struct lset *set_of(uint32_t id)
{
	if (!id || id > atomic_load_explicit(&n_sets_published, memory_order_acquire))
		return NULL;
	return &sets[id - 1];
}

static void dropped(const char *why)
{
	if (atomic_fetch_add(&n_dropped, 1) == 0)
		log_warn("%s: labels beyond it are not recorded", why);
}

/* Go's WithLabels: base with the pairs kv[0..2n) added, a key already in it overridden. */
static uint32_t with(uint32_t base, size_t n, const char *const *kv)
{
	const struct lset *b = set_of(base);
	uint32_t out[2 * CPROF_LABELS_PER_SET_MAX], m = b ? b->n : 0, id;

	if (b)
		memcpy(out, pairs + 2 * b->off, 2 * m * sizeof(*out));
	for (size_t i = 0; kv && i < n; i++) {
		const char *k = kv[2 * i], *v = kv[2 * i + 1];
		uint32_t ks, vs, at;

		if (!k || !*k)
			continue;
		ks = str_intern(k);
		vs = str_intern(v ? v : "");
		if (!ks || !vs) {
			dropped("the label string table is full");
			continue;
		}
		for (at = 0; at < m && out[2 * at] < ks; at++)
			;
		if (at < m && out[2 * at] == ks) {
			out[2 * at + 1] = vs;
			continue;
		}
		if (m == CPROF_LABELS_PER_SET_MAX) {
			dropped("a label set holds at most CPROF_LABELS_PER_SET_MAX (8) labels");
			continue;
		}
		memmove(out + 2 * at + 2, out + 2 * at, 2 * (m - at) * sizeof(*out));
		out[2 * at] = ks;
		out[2 * at + 1] = vs;
		m++;
	}
	id = set_intern(out, m);
	if (!id && m) {
		dropped("the label set table is full");
		return base;
	}
	return id;
}

/* Whether s is the interned string id (compared by content). */
static bool is_str(const char *s, uint32_t id)
{
	const struct lstr *e = &strs[id - 1];

	return !memcmp(s, chars + e->off, e->len) &&
	       (s[e->len] == '\0' || e->len == CPROF_LABEL_LEN_MAX);
}

/* with(), through the calling thread's memo of recent pushes. */
static uint32_t with_memo(uint32_t base, size_t n, const char *const *kv)
{
	uintptr_t h = base;
	struct memo *m;
	uint32_t set;
	size_t i;

	if (n == 0 || n > MEMO_PAIRS || !kv)
		return with(base, n, kv);
	for (i = 0; i < 2 * n; i++)
		h = h * 31 + (uintptr_t)kv[i];
	m = &memo[(h ^ (h >> 7)) % MEMO_SLOTS];
	if (m->n == n && m->base == base) {
		for (i = 0; i < 2 * n; i++)
			if (m->kv[i] != kv[i] || !kv[i] || !m->id[i] || !is_str(kv[i], m->id[i]))
				break;
		if (i == 2 * n)
			return m->set;
	}
	set = with(base, n, kv);
	/* Remember the strings' ids: with() interned them all when it made the set. */
	m->n = 0;
	for (i = 0; i < 2 * n; i++) {
		const char *s = kv[i] ? kv[i] : "";
		uint32_t len = (uint32_t)strnlen(s, CPROF_LABEL_LEN_MAX), slot;

		m->kv[i] = kv[i];
		m->id[i] = kv[i] ? str_find(s, len, hash_bytes(s, len), &slot) : 0;
	}
	m->base = base;
	m->set = set;
	m->n = (uint32_t)n;
	return set;
}

size_t labels_get(uint32_t id, struct dump_label *out, size_t max)
{
	const struct lset *s = set_of(id);
	size_t n = 0;

	for (uint32_t i = 0; s && i < s->n && n < max; i++, n++) {
		const uint32_t *kv = pairs + 2 * (s->off + i);

		out[n].key = chars + strs[kv[0] - 1].off;
		out[n].str = chars + strs[kv[1] - 1].off;
		out[n].num = 0;
		out[n].unit = NULL;
	}
	return n;
}

void labels_set_current(uint32_t id)
{
	struct thread *t = cprof_tls.self;

	current = id;
	if (t)
		atomic_store_explicit(&t->labels, id, memory_order_relaxed);
}

/* --- cprof.h's entry points (see there for the contracts) --------------------------------- */

CPROF_EXPORT uint32_t cprof_labels_with_v1(uint32_t base, size_t n, const char *const *kv)
{
	if (!atomic_load_explicit(&ready, memory_order_relaxed))
		return 0;
	return with_memo(base, n, kv);
}

CPROF_EXPORT uint32_t cprof_labels_push_v1(size_t n, const char *const *kv)
{
	uint32_t prev = current;

	if (atomic_load_explicit(&ready, memory_order_relaxed))
		labels_set_current(with_memo(prev, n, kv));
	return prev;
}

CPROF_EXPORT void cprof_labels_set_v1(uint32_t id)
{
	if (atomic_load_explicit(&ready, memory_order_relaxed) && (!id || set_of(id)))
		labels_set_current(id);
}

CPROF_EXPORT uint32_t cprof_labels_get_v1(void)
{
	return current;
}

CPROF_EXPORT const char *cprof_labels_value_v1(uint32_t id, const char *key)
{
	const struct lset *s = set_of(id);

	for (uint32_t i = 0; s && key && i < s->n; i++) {
		const uint32_t *kv = pairs + 2 * (s->off + i);

		if (!strcmp(chars + strs[kv[0] - 1].off, key))
			return chars + strs[kv[1] - 1].off;
	}
	return NULL;
}

CPROF_EXPORT size_t cprof_labels_list_v1(uint32_t id, const char **kv, size_t max)
{
	struct dump_label l[CPROF_LABELS_PER_SET_MAX];
	size_t n = labels_get(id, l, CPROF_LABELS_PER_SET_MAX);

	for (size_t i = 0; kv && i < n && i < max; i++) {
		kv[2 * i] = l[i].key;
		kv[2 * i + 1] = l[i].str;
	}
	return n;
}

/* --- signal context --- */

uint32_t labels_current_sig(void)
{
	return current;
}
