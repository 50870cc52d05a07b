/*
 * records.h: lock-free aggregation tables that collectors add events to from signal
 * context. A record is a fixed 24-byte key (a stack id, a thread, a label set...) with up
 * to four counters that only grow; a profile reads them in normal context, and profiles
 * over a window are differences between two readings. Also used to intern small keys
 * (thread names) into ids. Full tables count drops, they never block or allocate.
 */
#ifndef CPROF_RECORDS_H
#define CPROF_RECORDS_H

#include <stdint.h>

#define RECORDS_VALUES 4

struct records_key {
	uint64_t w[3];
};

struct records_entry {
	uint64_t hash;
	struct records_key key;
	_Atomic int64_t v[RECORDS_VALUES];
};

struct records {
	_Atomic uint32_t *index;	/* entry number + 1, or 0 */
	uint32_t slots;			/* power of two, twice max */
	uint32_t max;
	struct records_entry *entries;
	_Atomic uint32_t n;
	_Atomic uint64_t n_dropped;
};

/* Reserves a table of max records (pages are touched as records arrive). 0 or -errno. */
int records_init(struct records *r, uint32_t max);

/*
 * The id (>= 1) of the record with this key, adding it (values 0) if new; 0 when the
 * table is full (counted in n_dropped). Signal context: yes.
 */
uint32_t records_intern_sig(struct records *r, const struct records_key *k);

/* Adds v[0..nv) to the record with this key. 0, or -ENOSPC when full. Signal context: yes. */
int records_add_sig(struct records *r, const struct records_key *k, const int64_t *v, int nv);

/* Adds v[0..nv) to record id. Signal context: yes. */
void records_add_id_sig(struct records *r, uint32_t id, const int64_t *v, int nv);

/*
 * Calls fn for every published record, in no particular order, with a snapshot of its
 * values. Normal context (may run while handlers add).
 */
void records_foreach(struct records *r,
		     void (*fn)(void *arg, uint32_t id, const struct records_key *k,
				const int64_t *v),
		     void *arg);

/* The key of record id, or NULL. */
const struct records_key *records_key(struct records *r, uint32_t id);

/* Forgets every record. Only while nothing can add (a fork child, signals blocked). */
void records_clear(struct records *r);

#endif
