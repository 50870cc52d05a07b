/*
 * labels.h: the label set a thread is in (cprof.h's labels, as Go's pprof.Do). Every
 * collector keys its records with labels_current_sig() (records.h: high half of w[1]),
 * and dump.c turns the id back into key/value pairs. Sets are interned: an id names one
 * set for the life of the process, 0 the empty set.
 */
#ifndef CPROF_LABELS_H
#define CPROF_LABELS_H

#include <stddef.h>
#include <stdint.h>

struct dump_label;

/*
 * Reserves the tables (address space only; pages are touched as sets arrive). Until it
 * has run, the cprof_labels_* entry points do nothing. Normal context, at start-up.
 * 0 or -ENOMEM.
 */
int labels_init(void);

/*
 * Fills out[0..max) with the labels of set id (string labels; the strings belong to the
 * label table and live as long as the process). Returns how many; 0 for an unknown id.
 * Normal context.
 */
size_t labels_get(uint32_t id, struct dump_label *out, size_t max);

/* Makes set id (a valid id: 0 or one labels.c returned) the calling thread's. */
void labels_set_current(uint32_t id);

/* The calling thread's current label set id; 0 is the empty set. Signal context: yes. */
uint32_t labels_current_sig(void);

#endif
