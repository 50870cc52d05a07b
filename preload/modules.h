/*
 * modules.h: what the unwinder may read without asking the dynamic loader: the executable
 * segments of loaded objects with their .eh_frame_hdr search tables, and the writable
 * regions (stacks) of the address space. Snapshots are built in normal context and read
 * in signal context; a retired snapshot is freed only after every reader that could see
 * it has left (a grace period), so dlclose never unmaps what a handler is reading.
 */
#ifndef CPROF_MODULES_H
#define CPROF_MODULES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One executable segment. The unwind tables of objects loaded after start-up are copied
 * into the snapshot, so that an object unloaded by dlclose (the program's, or glibc's own
 * for gconv and NSS modules) never leaves a handler reading unmapped memory; for those,
 * bias is the original address minus the copy's, added wherever an address is computed
 * relative to a table byte (pcrel and datarel encodings).
 */
struct module {
	uint64_t lo, hi;	/* the segment, [lo, hi) */
	uint64_t data_lo, data_hi;	/* where the unwind tables lie (the copy, if any) */
	int64_t bias;		/* original table address minus the one read */
	const uint8_t *eh_frame_hdr;	/* as read; NULL when the object has no usable one */
	const uint8_t *table;	/* sorted (initial_loc, fde) int32 pairs, datarel to the hdr */
	uint32_t n_fdes;
	bool is_self;		/* libcprof.so: its frames are never recorded */
	bool is_initial;	/* present at start-up, so never unloaded: code may be read */
};

/* Builds the first snapshots. Normal context, at start-up. 0 or -errno. */
int modules_init(void);

/* Rebuilds the module snapshot. Normal context. 0 or -errno. */
int modules_refresh(void);

/*
 * True when objects were loaded or unloaded since the last snapshot (dl_iterate_phdr's
 * adds/subs counters); the background thread polls it. Normal context.
 */
bool modules_changed(void);

/* Re-reads the writable regions of /proc/self/maps (new thread stacks). Normal context. */
int modules_regions_refresh(void);

/*
 * True (once) when an unwind met a stack pointer outside every region since the last
 * call: a stack made since the last refresh (a new coroutine's). Normal context.
 */
bool modules_regions_missed(void);

/* The fork child handler: the writers' lock may have been held by a vanished thread. */
void modules_fork_prepare(void);
void modules_fork_parent(void);
void modules_fork_child(void);

/*
 * A read section: modules_enter_sig() returns a token for modules_leave_sig(). Between
 * the two, pointers returned by modules_find_sig stay valid. Signal context: yes.
 */
int modules_enter_sig(void);
void modules_leave_sig(int token);

/*
 * A number that changes whenever the module snapshot does (16 bits, wrapping), so caches
 * keyed by PC can tell stale entries. Signal context: yes.
 */
unsigned modules_generation_sig(void);

/* The segment containing pc, or NULL. Inside a read section. Signal context: yes. */
const struct module *modules_find_sig(uint64_t pc);

/*
 * The end of the writable region that contains addr (the top of a thread's stack when
 * addr is a stack pointer), or 0 if unknown. Inside a read section. Signal context: yes.
 */
uint64_t modules_region_top_sig(uint64_t addr);

#endif
