/*
 * unwind.h: stack capture from a signal's ucontext or from the current point, through
 * DWARF call-frame information (.eh_frame via .eh_frame_hdr), without locks, allocation
 * or calls into the dynamic loader. The leaf PC is exact; every caller is its return
 * address minus 1. Frames inside libcprof.so itself are never recorded.
 */
#ifndef CPROF_UNWIND_H
#define CPROF_UNWIND_H

#include <stdint.h>
#include <ucontext.h>

/* Flags describing a captured stack. */
#define UNWIND_TRUNCATED	0x1	/* stopped at the depth limit */
#define UNWIND_INCOMPLETE	0x2	/* stopped on a frame it could not unwind */

/*
 * Captures the stack interrupted by a signal. [stack_lo, stack_hi) is the calling thread's
 * stack when known, else 0, 0: a stack pointer outside it (a coroutine's or an alternate
 * signal stack) is bounded by the writable-region snapshot instead, and a stack found in
 * neither gives the leaf alone, so that no read crosses into unmapped memory. Fills at
 * most max PCs (leaf first) and returns how many; *flags gets UNWIND_* bits.
 * Signal context: yes.
 */
int unwind_sig(const ucontext_t *uc, uint64_t stack_lo, uint64_t stack_hi, uint64_t *pcs, int max,
	       unsigned *flags);

/*
 * Captures the caller's stack (the frames of libcprof.so left out); every frame is a
 * return address minus 1. Same contract as unwind_sig otherwise.
 * Signal context: yes.
 */
int unwind_here_sig(uint64_t stack_lo, uint64_t stack_hi, uint64_t *pcs, int max, unsigned *flags);

/*
 * Captures a stack known only by its pc and stack pointer, as /proc/PID/task/TID/syscall
 * shows them for a thread blocked in the kernel: the other registers are unknown and
 * are recovered where the CFI says a frame saved them. The stack is read from copy,
 * which holds the thread's memory [lo, hi) (sp lies in it); nothing outside is read.
 * The leaf is pc itself. Same contract as unwind_sig otherwise; a frame that needs a
 * register nobody saved (a frame pointer set up before the copy's frames) ends the stack
 * with UNWIND_INCOMPLETE. Signal context: yes (it is also safe in normal context).
 */
int unwind_copy_sig(uint64_t pc, uint64_t sp, const void *copy, uint64_t lo, uint64_t hi,
		    uint64_t *pcs, int max, unsigned *flags);

#endif
