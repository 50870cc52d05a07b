/*
 * stacks.c: the deduplicating stack table. An open-addressing index of 32-bit entry
 * numbers points into a dense array of entries, whose PCs live in one arena. Writers
 * fill an entry privately and publish it with a compare-and-swap on the index slot, so
 * readers never see a half-written stack and nobody ever waits. A writer that loses the
 * race for a slot leaves its entry unused (rare, and bounded by the arena).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"
#include "limits.h"
#include "stacks.h"

struct entry {
	uint64_t hash;
	uint32_t off;		/* first PC in the arena */
	uint16_t depth;
	uint16_t flags;
};

#define INDEX_SLOTS	(2 * CPROF_STACKS_MAX)	/* load factor at most 1/2 */
#define PROBES_MAX	64

static _Atomic uint32_t *table_index;	/* entry number + 1, or 0 */
static struct entry *entries;
static uint64_t *arena;
static _Atomic uint32_t n_entries;
static _Atomic uint32_t n_pcs;
static _Atomic uint64_t n_dropped;

static void *reserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int stacks_init(void)
{
	if (table_index)
		return 0;
	table_index = reserve(INDEX_SLOTS * sizeof(*table_index));
	entries = reserve(CPROF_STACKS_MAX * sizeof(*entries));
	arena = reserve((size_t)CPROF_STACK_PCS_MAX * sizeof(*arena));
	if (!table_index || !entries || !arena)
		return -ENOMEM;
	return 0;
}

uint64_t stacks_n_dropped(void)
{
	return atomic_load(&n_dropped);
}

/* --- signal context --- */

static uint64_t hash_sig(const uint64_t *pcs, int n, unsigned flags)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n << 32) ^ flags;

	for (int i = 0; i < n; i++) {
		h ^= pcs[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h | 1;
}

static bool equal_sig(const struct entry *e, uint64_t h, const uint64_t *pcs, int n,
		      unsigned flags)
{
	return e->hash == h && e->depth == n && e->flags == flags &&
	       memcmp(arena + e->off, pcs, (size_t)n * sizeof(*pcs)) == 0;
}

/* A private, not yet published entry holding a copy of the stack; 0 when full. */
static uint32_t fill_sig(uint64_t h, const uint64_t *pcs, int n, unsigned flags)
{
	uint32_t e = atomic_fetch_add(&n_entries, 1);
	uint32_t off = atomic_fetch_add(&n_pcs, (uint32_t)n);

	if (e >= CPROF_STACKS_MAX || off > CPROF_STACK_PCS_MAX - (uint32_t)n) {
		/* Keep the counters from wrapping after the table is full. */
		atomic_store(&n_entries, CPROF_STACKS_MAX);
		atomic_store(&n_pcs, CPROF_STACK_PCS_MAX);
		return 0;
	}
	memcpy(arena + off, pcs, (size_t)n * sizeof(*pcs));
	entries[e].hash = h;
	entries[e].off = off;
	entries[e].depth = (uint16_t)n;
	entries[e].flags = (uint16_t)flags;
	return e + 1;
}

uint32_t stacks_intern_sig(const uint64_t *pcs, int n, unsigned flags)
{
	uint64_t h;
	uint32_t mine = 0, slot;

	if (!table_index || n <= 0 || n > 0xffff) {
		atomic_fetch_add(&n_dropped, 1);
		return 0;
	}
	h = hash_sig(pcs, n, flags);
	slot = (uint32_t)(h >> 17) & (INDEX_SLOTS - 1);
	for (int probe = 0; probe < PROBES_MAX; probe++, slot = (slot + 1) & (INDEX_SLOTS - 1)) {
		uint32_t cur = atomic_load_explicit(&table_index[slot], memory_order_acquire);

		if (cur == 0) {
			if (!mine)
				mine = fill_sig(h, pcs, n, flags);
			if (!mine)
				break;
			if (atomic_compare_exchange_strong_explicit(&table_index[slot], &cur, mine,
				memory_order_release, memory_order_acquire))
				return mine;
			/* Lost the slot: cur now holds the winner, which may be this very stack. */
		}
		if (equal_sig(&entries[cur - 1], h, pcs, n, flags))
			return cur;
	}
	atomic_fetch_add(&n_dropped, 1);
	return 0;
}

int stacks_get(uint32_t id, const uint64_t **pcs, unsigned *flags)
{
	const struct entry *e;

	if (id == 0 || id > atomic_load(&n_entries) || id > CPROF_STACKS_MAX)
		return -1;
	e = &entries[id - 1];
	*pcs = arena + e->off;
	*flags = e->flags;
	return e->depth;
}
