/*
 * htab.h: the encoder's private open-addressing index: 64-bit hash -> entry number.
 * It stores no keys; the caller keeps its entries in an array and decides equality.
 * Used by profile.c (strings, functions, locations, samples) and decode.c (ids).
 * Not part of the library's public interface.
 */
#ifndef CPROF_HTAB_H
#define CPROF_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entry numbers are below HTAB_NONE, which also marks an empty slot. */
#define HTAB_NONE UINT32_MAX

struct htab {
	uint64_t *hashes;
	uint32_t *entries;
	size_t cap;	/* a power of two, or 0 before the first insert */
	size_t n;
};

/* Returns true when entry number idx holds the key ctx describes. */
typedef bool (*htab_eq_fn)(const void *ctx, uint32_t idx);

/* An empty table needs no allocation: zero it (or use htab_init). */
void htab_init(struct htab *h);
void htab_free(struct htab *h);

/*
 * Returns the first entry with this hash for which eq(ctx, entry) is true, or HTAB_NONE.
 * eq may be NULL: the first entry with this hash is returned.
 */
uint32_t htab_find(const struct htab *h, uint64_t hash, htab_eq_fn eq, const void *ctx);

/*
 * Adds entry idx under hash (no check for an existing equal key). Keeps the load at most
 * one half, doubling as needed. 0, -ENOMEM, or -EOVERFLOW when idx >= HTAB_NONE.
 */
int htab_insert(struct htab *h, uint64_t hash, uint32_t idx);

/* Hashes n bytes (seeded, so that callers can chain calls). */
uint64_t htab_hash_bytes(uint64_t seed, const void *buf, size_t n);
/* Mixes v into the running hash h. */
uint64_t htab_hash_u64(uint64_t h, uint64_t v);

#endif
