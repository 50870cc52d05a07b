/*
 * custom.c: custom profiles, cprof.h's cprof_profile_* entry points, and
 * cprof_write_profile (any named profile to a file). Every profile counts, per stack, the
 * entries added and removed (one shared record table, the profile in the key); a map from
 * (profile, key) to stack lets a removal find its stack. These run in the program's
 * threads in normal context, under one lock, and are never profiled themselves.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "real.h"
#include "common.h"
#include "custom.h"
#include "dump.h"
#include "env.h"
#include "legacy.h"
#include "limits.h"
#include "log.h"
#include "profile.h"
#include "records.h"
#include "stacks.h"
#include "threads.h"
#include "unwind.h"

struct custom {
	char name[CPROF_CUSTOM_NAME_MAX];
	_Atomic long count;
	struct dump_source src;
	char type[CPROF_CUSTOM_NAME_MAX];
};

/* A live entry: empty while prof is 0. */
struct entry {
	uintptr_t key;
	uint32_t prof;		/* the profile's index + 1 */
	uint32_t stack;		/* 0 when it could not be stored */
};

static struct custom profiles[CPROF_CUSTOM_MAX];
static _Atomic uint32_t n_profiles;
static struct records recs;	/* w[0] stack, w[2] profile index + 1; v[0] added, v[1] removed */
static struct entry *map;
static size_t map_cap, map_n;
static uint64_t *pcs;		/* the stack buffer, under lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool ready;

static void fork_prepare(void)
{
	real_mutex_lock(&lock);
}

static void fork_done(void)
{
	real_mutex_unlock(&lock);
}

int custom_init(void)
{
	int rc;

	if (atomic_load(&ready))
		return 0;
	rc = records_init(&recs, CPROF_RECORDS_MAX);
	if (rc < 0)
		return rc;
	pcs = malloc((size_t)env.depth * sizeof(*pcs));
	if (!pcs)
		return -ENOMEM;
	pthread_atfork(fork_prepare, fork_done, fork_done);
	atomic_store(&ready, true);
	return 0;
}

/* --- the live entries: open addressing, deletion by backward shift ----------------------- */

static size_t home(uintptr_t key, uint32_t prof)
{
	uint64_t h = ((uint64_t)key ^ ((uint64_t)prof << 56)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (map_cap - 1);
}

static struct entry *find(uintptr_t key, uint32_t prof)
{
	if (!map_cap)
		return NULL;
	for (size_t i = home(key, prof);; i = (i + 1) & (map_cap - 1)) {
		if (!map[i].prof)
			return NULL;
		if (map[i].key == key && map[i].prof == prof)
			return &map[i];
	}
}

static int grow(void)
{
	struct entry *old = map;
	size_t old_cap = map_cap, cap = map_cap ? 2 * map_cap : 1024;

	map = calloc(cap, sizeof(*map));
	if (!map) {
		map = old;
		return -ENOMEM;
	}
	map_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].prof)
			continue;
		for (j = home(old[i].key, old[i].prof); map[j].prof; j = (j + 1) & (cap - 1))
			;
		map[j] = old[i];
	}
	free(old);
	return 0;
}

static void erase(struct entry *e)
{
	size_t i = (size_t)(e - map);

	for (size_t j = (i + 1) & (map_cap - 1); map[j].prof; j = (j + 1) & (map_cap - 1)) {
		size_t k = home(map[j].key, map[j].prof);

		/* Move j back into the hole unless its home lies cyclically in (i, j]. */
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			map[i] = map[j];
			i = j;
		}
	}
	map[i].prof = 0;
	map_n--;
}

/* --- profiles as named sources ---------------------------------------------------------------- */

static int sample(void *arg, const struct records_key *k, const int64_t *raw, int64_t *values,
		  struct dump_label *labels, char *scratch)
{
	struct custom *c = arg;

	if (k->w[2] != (uint64_t)(c - profiles) + 1 || raw[0] - raw[1] <= 0)
		return -1;
	values[0] = raw[0] - raw[1];
	return 0;
}

static int describe_custom(uint32_t i, struct dump_kind *k)
{
	struct custom *c = &profiles[i];

	memset(k, 0, sizeof(*k));
	k->kind = c->name;
	k->types[0] = c->type;
	k->types[1] = "count";
	k->period_type = c->type;
	k->period_unit = "count";
	k->period = 1;
	k->records = &recs;
	k->sample = sample;
	k->arg = c;
	return 0;
}

/* The sources' callbacks take no argument: one small pair of functions per profile. */
#define TRAMPOLINE(i)								\
	static int describe_##i(struct dump_kind *k)				\
	{									\
		int rc = describe_custom(i, k);					\
		struct timespec ts;						\
										\
		clock_gettime(CLOCK_REALTIME, &ts);				\
		k->time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;	\
		return rc;							\
	}									\
	static size_t count_##i(void)						\
	{									\
		return (size_t)atomic_load(&profiles[i].count);			\
	}
#define TRAMPOLINES(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
	X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) \
	X(27) X(28) X(29) X(30) X(31)
#define DESCRIBE_ENTRY(i) describe_##i,
#define COUNT_ENTRY(i) count_##i,

TRAMPOLINES(TRAMPOLINE)
static int (*const describers[])(struct dump_kind *) = { TRAMPOLINES(DESCRIBE_ENTRY) };
static size_t (*const counters[])(void) = { TRAMPOLINES(COUNT_ENTRY) };
_Static_assert(ARRAY_SIZE(describers) == CPROF_CUSTOM_MAX, "one trampoline per profile");

/* Go's names for its own profiles, and the HTTP server's other pages. */
static bool reserved(const char *name)
{
	static const char *const names[] = { "goroutine", "threadcreate", "heap", "allocs",
		"block", "mutex", "threads", "profile", "cmdline", "symbol", "trace", "cpu" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static bool valid_name(const char *name)
{
	size_t n = 0;

	for (const char *c = name; *c; c++, n++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return n > 0 && n < CPROF_CUSTOM_NAME_MAX && !reserved(name);
}

static struct custom *lookup_locked(const char *name)
{
	for (uint32_t i = 0; i < atomic_load(&n_profiles); i++)
		if (!strcmp(profiles[i].name, name))
			return &profiles[i];
	return NULL;
}

/* p if it is one of ours, else NULL. */
static struct custom *handle(const void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)profiles;

	if (a < base || a >= base + atomic_load(&n_profiles) * sizeof(profiles[0]) ||
	    (a - base) % sizeof(profiles[0]))
		return NULL;
	return (struct custom *)p;
}

int custom_write(const char *name, const char *path)
{
	struct custom *c;
	struct profile *p;
	int rc;

	real_mutex_lock(&lock);
	c = atomic_load(&ready) ? lookup_locked(name) : NULL;
	real_mutex_unlock(&lock);
	if (!c) {
		log_warn("the program made no profile named '%s': '%s' is not written", name, path);
		return -ENOENT;
	}
	p = dump_build_source(name);
	if (!p)
		return -ENOMEM;
	rc = dump_write(path, name, p);
	profile_free(p);
	return rc;
}

/* --- cprof.h's entry points (see there for the contracts) ------------------------------------- */

CPROF_EXPORT void *cprof_profile_new_v1(const char *name)
{
	struct custom *c = NULL;
	uint32_t n;

	if (!atomic_load(&ready) || !name || !valid_name(name))
		return NULL;
	cprof_tls.in_cprof++;
	real_mutex_lock(&lock);
	n = atomic_load(&n_profiles);
	if (!lookup_locked(name) && n < CPROF_CUSTOM_MAX && !dump_find(name)) {
		c = &profiles[n];
		strcpy(c->name, name);
		strcpy(c->type, name);
		atomic_store(&c->count, 0);
		c->src.name = c->name;
		c->src.description = "";
		c->src.describe = describers[n];
		c->src.count = counters[n];
		atomic_store(&n_profiles, n + 1);
		if (dump_register(&c->src) < 0)
			log_warn("cannot serve the profile '%s' by name", name);
	}
	real_mutex_unlock(&lock);
	cprof_tls.in_cprof--;
	return c;
}

CPROF_EXPORT void *cprof_profile_lookup_v1(const char *name)
{
	struct custom *c;

	if (!atomic_load(&ready) || !name)
		return NULL;
	real_mutex_lock(&lock);
	c = lookup_locked(name);
	real_mutex_unlock(&lock);
	return c;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct custom *const *)a)->name, (*(struct custom *const *)b)->name);
}

CPROF_EXPORT size_t cprof_profiles_v1(void **out, size_t max)
{
	struct custom *all[CPROF_CUSTOM_MAX];
	uint32_t n = atomic_load(&n_profiles);

	for (uint32_t i = 0; i < n; i++)
		all[i] = &profiles[i];
	qsort(all, n, sizeof(all[0]), by_name);
	for (uint32_t i = 0; out && i < n && i < max; i++)
		out[i] = all[i];
	return n;
}

CPROF_EXPORT int cprof_profile_add_v1(void *p, const void *key, int skip)
{
	struct custom *c = handle(p);
	uint32_t prof, stack = 0;
	struct records_key rk;
	int64_t one[2] = { 1, 0 };
	struct entry *e;
	unsigned flags;
	int n, rc = 0;

	if (!c)
		return -EINVAL;
	prof = (uint32_t)(c - profiles) + 1;
	cprof_tls.in_cprof++;
	real_mutex_lock(&lock);
	if (find((uintptr_t)key, prof)) {
		rc = -EEXIST;
		goto out;
	}
	if (2 * (map_n + 1) > map_cap && grow() < 0) {
		rc = -ENOMEM;
		goto out;
	}
	n = unwind_here_sig(cprof_tls.stack_lo, cprof_tls.stack_hi, pcs, env.depth, &flags);
	if (skip > 0 && skip < n) {
		memmove(pcs, pcs + skip, (size_t)(n - skip) * sizeof(*pcs));
		n -= skip;
	}
	if (n > 0)
		stack = stacks_intern_sig(pcs, n, flags);
	memset(&rk, 0, sizeof(rk));
	rk.w[0] = stack;
	rk.w[2] = prof;
	if (!stack || records_add_sig(&recs, &rk, one, 2) < 0) {
		stack = 0;
		rc = -ENOSPC;
		log_warn("cprof's tables are full: entries of '%s' added from now on may be "
			 "missing from its profile", c->name);
	}
	for (e = &map[home((uintptr_t)key, prof)]; e->prof; )
		e = e + 1 == map + map_cap ? map : e + 1;
	e->key = (uintptr_t)key;
	e->prof = prof;
	e->stack = stack;
	map_n++;
	atomic_fetch_add(&c->count, 1);
out:
	real_mutex_unlock(&lock);
	cprof_tls.in_cprof--;
	return rc;
}

CPROF_EXPORT int cprof_profile_remove_v1(void *p, const void *key)
{
	struct custom *c = handle(p);
	int64_t one[2] = { 0, 1 };
	struct records_key rk;
	struct entry *e;
	int rc = 0;

	if (!c)
		return -EINVAL;
	cprof_tls.in_cprof++;
	real_mutex_lock(&lock);
	e = find((uintptr_t)key, (uint32_t)(c - profiles) + 1);
	if (!e) {
		rc = -ENOENT;
	} else {
		memset(&rk, 0, sizeof(rk));
		rk.w[0] = e->stack;
		rk.w[2] = e->prof;
		if (e->stack)
			records_add_sig(&recs, &rk, one, 2);
		erase(e);
		atomic_fetch_sub(&c->count, 1);
	}
	real_mutex_unlock(&lock);
	cprof_tls.in_cprof--;
	return rc;
}

CPROF_EXPORT long cprof_profile_count_v1(void *p)
{
	struct custom *c = handle(p);

	return c ? atomic_load(&c->count) : 0;
}

CPROF_EXPORT const char *cprof_profile_name_v1(void *p)
{
	struct custom *c = handle(p);

	return c ? c->name : NULL;
}

/* Go's Lookup(name).WriteTo(w, debug), to a file: see cprof.h. */
CPROF_EXPORT int cprof_write_profile_v1(const char *name, const char *path, int debug)
{
	struct profile *p;
	char *text = NULL;
	size_t len;
	int rc;

	if (!atomic_load(&ready))
		return -ENOSYS;
	if (!name || !path)
		return -EINVAL;
	cprof_tls.in_cprof++;
	p = dump_find(name) ? dump_build_source(name) : NULL;
	if (!p) {
		rc = dump_find(name) ? -ENOMEM : -ENOENT;
		goto out;
	}
	if (debug <= 0) {
		rc = dump_write(path, name, p);
		goto out_free;
	}
	if (debug >= 2 && !strcmp(name, "goroutine"))
		rc = legacy_threads_text(p, &text, &len);
	else if (!strcmp(name, "block") || !strcmp(name, "mutex"))
		rc = legacy_contention_text(p, strcmp(name, "block") ? "mutex" : "contention",
					    &text, &len);
	else if ((rc = legacy_heap_text(p, &text, &len)) == -EINVAL)
		rc = legacy_count_text(p, &text, &len);
	if (rc == 0)
		rc = dump_write_data(path, name, text, len);
	free(text);
out_free:
	profile_free(p);
out:
	cprof_tls.in_cprof--;
	return rc;
}
