/*
 * stacks.h: the stack table. Collectors intern a captured stack (PCs, leaf first, plus
 * UNWIND_* flags) and get a small id back; identical stacks share one id. Lock-free and
 * preallocated (mmap at start-up), so signal handlers may intern; when the table is full
 * stacks_intern_sig returns 0 and the caller counts the event as dropped.
 */
#ifndef CPROF_STACKS_H
#define CPROF_STACKS_H

#include <stdint.h>

/* Reserves the table's address space (pages are touched as stacks arrive). 0 or -errno. */
int stacks_init(void);

/*
 * Returns the id (>= 1) of the stack pcs[0..n) with these flags, adding it if new, or 0
 * when the table is full. Signal context: yes.
 */
uint32_t stacks_intern_sig(const uint64_t *pcs, int n, unsigned flags);

/*
 * The PCs and flags of stack id: returns its depth, or -1 for an unknown id. The memory
 * belongs to the table and never changes once published. Normal or signal context.
 */
int stacks_get(uint32_t id, const uint64_t **pcs, unsigned *flags);

/* Stacks that could not be stored because the table was full. */
uint64_t stacks_n_dropped(void);

#endif
