/*
 * htab.c: open addressing with linear probing over (hash, entry number) pairs.
 * The caller owns the keys and compares them; this file only finds candidate slots.
 * Hashing is a 64-bit multiply-xor mix, which is plenty for profile data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

#define HTAB_MIN_CAP 16

void htab_init(struct htab *h)
{
	memset(h, 0, sizeof(*h));
}

void htab_free(struct htab *h)
{
	free(h->hashes);
	free(h->entries);
	htab_init(h);
}

uint32_t htab_find(const struct htab *h, uint64_t hash, htab_eq_fn eq, const void *ctx)
{
	size_t mask, i;

	if (h->cap == 0)
		return HTAB_NONE;
	mask = h->cap - 1;
	for (i = hash & mask; h->entries[i] != HTAB_NONE; i = (i + 1) & mask) {
		if (h->hashes[i] == hash && (!eq || eq(ctx, h->entries[i])))
			return h->entries[i];
	}
	return HTAB_NONE;
}

static void htab_place(uint64_t *hashes, uint32_t *entries, size_t cap, uint64_t hash,
		       uint32_t idx)
{
	size_t mask = cap - 1, i;

	for (i = hash & mask; entries[i] != HTAB_NONE; i = (i + 1) & mask)
		;
	hashes[i] = hash;
	entries[i] = idx;
}

static int htab_grow(struct htab *h)
{
	size_t cap = h->cap ? h->cap * 2 : HTAB_MIN_CAP, i;
	uint64_t *hashes;
	uint32_t *entries;

	if (cap > SIZE_MAX / sizeof(*hashes))
		return -ENOMEM;
	hashes = malloc(cap * sizeof(*hashes));
	entries = malloc(cap * sizeof(*entries));
	if (!hashes || !entries)
		goto out_free;
	/* Every byte 0xff makes every entry HTAB_NONE. */
	memset(entries, 0xff, cap * sizeof(*entries));
	for (i = 0; i < h->cap; i++) {
		if (h->entries[i] != HTAB_NONE)
			htab_place(hashes, entries, cap, h->hashes[i], h->entries[i]);
	}
	free(h->hashes);
	free(h->entries);
	h->hashes = hashes;
	h->entries = entries;
	h->cap = cap;
	return 0;

out_free:
	free(hashes);
	free(entries);
	return -ENOMEM;
}

int htab_insert(struct htab *h, uint64_t hash, uint32_t idx)
{
	int err;

	if (idx >= HTAB_NONE)
		return -EOVERFLOW;
	if ((h->n + 1) * 2 > h->cap) {
		err = htab_grow(h);
		if (err)
			return err;
	}
	htab_place(h->hashes, h->entries, h->cap, hash, idx);
	h->n++;
	return 0;
}

static uint64_t htab_mix(uint64_t x)
{
	/* The splitmix64 finalizer: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

uint64_t htab_hash_u64(uint64_t h, uint64_t v)
{
	return htab_mix(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

uint64_t htab_hash_bytes(uint64_t seed, const void *buf, size_t n)
{
	const unsigned char *s = buf;
	uint64_t h = htab_mix(seed ^ n), w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return htab_mix(h);
}
