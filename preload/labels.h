/*
 * labels.h: the label set a thread is in (cprof.h's labels, as Go's pprof.Do). Every
 * collector keys its records with labels_current_sig() (records.h: high half of w[1]),
 * and dump.c turns the id back into key/value pairs.
 *
 * NEEDSWORK: a stub until cprof.h's label API lands (issue 5): every thread is in the
 * empty set, id 0.
 */
#ifndef CPROF_LABELS_H
#define CPROF_LABELS_H

#include <stddef.h>
#include <stdint.h>

struct dump_label;

/* The calling thread's current label set id; 0 is the empty set. Signal context: yes. */
uint32_t labels_current_sig(void);

/*
 * Fills out[0..max) with the labels of set id (string labels; the strings belong to the
 * label table and live as long as the process). Returns how many. Normal context.
 */
size_t labels_get(uint32_t id, struct dump_label *out, size_t max);

#endif
