/*
 * records.c: the aggregation tables, built like the stack table (stacks.c): an open-
 * addressing index of entry numbers over a dense entry array, entries filled privately
 * and published by compare-and-swap, counters updated with atomic adds.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common.h"
#include "limits.h"
#include "records.h"

#define PROBES_MAX 64

int records_init(struct records *r, uint32_t max)
{
	void *idx, *ent;
	uint32_t slots = 1;

	while (slots < 2 * max)
		slots <<= 1;
	idx = mmap(NULL, slots * sizeof(*r->index), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ent = mmap(NULL, (size_t)max * sizeof(*r->entries), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (idx == MAP_FAILED || ent == MAP_FAILED) {
		if (idx != MAP_FAILED)
			munmap(idx, slots * sizeof(*r->index));
		if (ent != MAP_FAILED)
			munmap(ent, (size_t)max * sizeof(*r->entries));
		return -ENOMEM;
	}
	r->index = idx;
	r->entries = ent;
	r->slots = slots;
	r->max = max;
	atomic_store(&r->n, 0);
	atomic_store(&r->n_dropped, 0);
	return 0;
}

void records_foreach(struct records *r,
		     void (*fn)(void *arg, uint32_t id, const struct records_key *k,
				const int64_t *v),
		     void *arg)
{
	if (!r->index)
		return;
	for (uint32_t s = 0; s < r->slots; s++) {
		uint32_t id = atomic_load_explicit(&r->index[s], memory_order_acquire);
		int64_t v[RECORDS_VALUES];

		if (!id)
			continue;
		for (int i = 0; i < RECORDS_VALUES; i++)
			v[i] = atomic_load_explicit(&r->entries[id - 1].v[i], memory_order_relaxed);
		fn(arg, id, &r->entries[id - 1].key, v);
	}
}

const struct records_key *records_key(struct records *r, uint32_t id)
{
	if (id == 0 || id > r->max || id > atomic_load(&r->n))
		return NULL;
	return &r->entries[id - 1].key;
}

void records_clear(struct records *r)
{
	void *idx;

	if (!r->index)
		return;
	/*
	 * A fresh mapping over the index instead of a memset: a fork child clears its copy,
	 * and touching every page of it would cost a page fault each.
	 */
	idx = mmap((void *)r->index, r->slots * sizeof(*r->index), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	if (idx == MAP_FAILED)
		memset((void *)r->index, 0, r->slots * sizeof(*r->index));
	atomic_store(&r->n, 0);
	atomic_store(&r->n_dropped, 0);
}

/* --- signal context --- */

static uint64_t hash_key_sig(const struct records_key *k)
{
	uint64_t h = 0x2545f4914f6cdd1dull;

	for (int i = 0; i < 3; i++) {
		h ^= k->w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 31;
	}
	return h | 1;
}

static uint32_t fill_sig(struct records *r, uint64_t h, const struct records_key *k)
{
	uint32_t e = atomic_fetch_add(&r->n, 1);
	struct records_entry *ent;

	if (e >= r->max) {
		atomic_store(&r->n, r->max);
		return 0;
	}
	ent = &r->entries[e];
	ent->hash = h;
	ent->key = *k;
	for (int i = 0; i < RECORDS_VALUES; i++)
		atomic_store_explicit(&ent->v[i], 0, memory_order_relaxed);
	return e + 1;
}

uint32_t records_intern_sig(struct records *r, const struct records_key *k)
{
	uint64_t h;
	uint32_t mine = 0, slot;

	if (!r->index)
		return 0;
	h = hash_key_sig(k);
	slot = (uint32_t)(h >> 13) & (r->slots - 1);
	for (int probe = 0; probe < PROBES_MAX; probe++, slot = (slot + 1) & (r->slots - 1)) {
		uint32_t cur = atomic_load_explicit(&r->index[slot], memory_order_acquire);
		const struct records_entry *e;

		if (cur == 0) {
			if (!mine)
				mine = fill_sig(r, h, k);
			if (!mine)
				break;
			if (atomic_compare_exchange_strong_explicit(&r->index[slot], &cur, mine,
				memory_order_release, memory_order_acquire))
				return mine;
		}
		e = &r->entries[cur - 1];
		if (e->hash == h && !memcmp(&e->key, k, sizeof(*k)))
			return cur;
	}
	atomic_fetch_add(&r->n_dropped, 1);
	return 0;
}

void records_add_id_sig(struct records *r, uint32_t id, const int64_t *v, int nv)
{
	struct records_entry *e = &r->entries[id - 1];

	for (int i = 0; i < nv && i < RECORDS_VALUES; i++)
		if (v[i])
			atomic_fetch_add_explicit(&e->v[i], v[i], memory_order_relaxed);
}

int records_add_sig(struct records *r, const struct records_key *k, const int64_t *v, int nv)
{
	uint32_t id = records_intern_sig(r, k);

	if (!id)
		return -ENOSPC;
	records_add_id_sig(r, id, v, nv);
	return 0;
}
