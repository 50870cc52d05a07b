/*
 * limits.h: every compile-time limit of the preload, in one place. Each is a bound on
 * preallocated memory or on work done in signal context; exceeding one drops and counts
 * the event, it never blocks or allocates.
 */
#ifndef CPROF_LIMITS_H
#define CPROF_LIMITS_H

/*
 * The C library's <limits.h> too: GCC's own limits.h reaches for the next "limits.h" on
 * the search path, which from inside preload/ is this file.
 */
#include_next <limits.h>

/* Thread slots in the registry (threads alive at once that the profiler can sample). */
#define CPROF_THREADS_MAX	16384
/* Distinct stacks in the stack table, and frames stored for all of them together. */
#define CPROF_STACKS_MAX	(1u << 17)
#define CPROF_STACK_PCS_MAX	(1u << 23)
/* Distinct (stack, thread, labels) records per profile kind. */
#define CPROF_RECORDS_MAX	(1u << 18)
/* Distinct thread names. */
#define CPROF_NAMES_MAX		4096
/* Frames per stack: the default of CPROF_DEPTH, and its bounds. */
#define CPROF_DEPTH_DEFAULT	1024
#define CPROF_DEPTH_MIN		8
#define CPROF_DEPTH_MAX		4096
/* Loaded objects (executable segments) and writable memory regions the unwinder knows. */
#define CPROF_MODULES_MAX	8192
#define CPROF_REGIONS_MAX	65536
/* DW_CFA_remember_state nesting the CFI interpreter follows. */
#define CPROF_CFI_STACK_MAX	4
/* DWARF expression evaluation: operations and stack depth. */
#define CPROF_EXPR_OPS_MAX	64
#define CPROF_EXPR_STACK_MAX	16
/* CFI instructions executed for one frame. */
#define CPROF_CFI_OPS_MAX	4096
/* Sampling rate bounds (CPROF_HZ). */
#define CPROF_HZ_MAX		10000
/* Mutex profile fraction (CPROF_MUTEXFRACTION) and block profile rate in ns (CPROF_BLOCKRATE). */
#define CPROF_MUTEXFRACTION_MAX	1000000
#define CPROF_BLOCKRATE_MAX	1000000000
/*
 * The mutex profile's table of waits in progress: entries (64 bytes each, 7 waiters)
 * keyed by lock address; a lock whose waiters fill its probe window loses the excess.
 */
#define CPROF_LOCK_WAITS_MAX	4096
/*
 * Symbolization (normal context, at dump time): what one object may cost inside the
 * target. Past them an object gets fewer names, lines or inline frames, never an error.
 */
#define CPROF_MAPS_MAX		(64u << 20)	/* bytes of /proc/self/maps read */
#define CPROF_SYMTAB_MAX	(32u << 20)	/* bytes of .symtab, and of .strtab, per object */
#define CPROF_DEBUG_LINE_MAX	(64u << 20)	/* .debug_line kept per object */
#define CPROF_INLINE_INFO_MAX	(4u << 20)	/* .debug_info read (then freed) for inlines */
#define CPROF_INLINE_RANGES_MAX	(1u << 16)	/* inlined-call ranges kept per object */
/*
 * The /debug/pprof/ server (http.c): connections served at once (more are answered 503),
 * the size of a request's head (431 beyond) and body (413 beyond), the time a client has
 * to send its request and the time an answer may go without progress (the connection is
 * closed after either), and the longest profile it takes (Go's WriteTimeout: seconds >=
 * this are answered 400, as a Go server with that WriteTimeout answers).
 */
#define CPROF_HTTP_CONNS_MAX	16
#define CPROF_HTTP_HEAD_MAX	16384
#define CPROF_HTTP_BODY_MAX	(2u << 20)
#define CPROF_HTTP_READ_MS_MAX	10000
#define CPROF_HTTP_STALL_MS_MAX	10000
#define CPROF_HTTP_SECONDS_MAX	86400
/*
 * Label sets (cprof.h): distinct sets, distinct strings and their bytes, the length a
 * key or value is cut to, and pairs per set (a sample carries at most DUMP_LABELS_MAX).
 */
#define CPROF_LABEL_SETS_MAX	(1u << 16)
#define CPROF_LABEL_STRINGS_MAX	(1u << 16)
#define CPROF_LABEL_BYTES_MAX	(4u << 20)
#define CPROF_LABEL_LEN_MAX	256
#define CPROF_LABELS_PER_SET_MAX 8
/* Custom profiles (cprof.h's cprof_profile_new), and the length of their names. */
#define CPROF_CUSTOM_MAX	32
#define CPROF_CUSTOM_NAME_MAX	64
/*
 * The threads snapshot: how long it waits for running threads to answer its signal, and
 * how much of a blocked thread's stack it copies to unwind it.
 */
#define CPROF_SNAPSHOT_WAIT_MS	200
#define CPROF_STACK_COPY_MAX	(1u << 20)
/*
 * Heap profiling. The start-up arena serves allocations made while dlsym resolves the
 * real malloc family. The live table holds the sampled blocks still allocated, in buckets
 * of CPROF_HEAP_BUCKET 8-byte slots (two cache lines); it starts at CPROF_HEAP_LIVE_MIN
 * slots and grows fourfold when a bucket overflows, up to CPROF_HEAP_LIVE_MAX. The filter
 * (one byte per 2^CPROF_HEAP_FILTER_SHIFT-byte page of the address space,
 * CPROF_HEAP_FILTER_MAX bytes, wrapping) lets free skip the table for blocks on pages
 * that hold no sampled block. CPROF_MEMRATE is at most CPROF_MEMRATE_MAX.
 */
#define CPROF_ARENA_BYTES	(64u << 10)
#define CPROF_HEAP_LIVE_MIN	(1u << 12)
#define CPROF_HEAP_LIVE_MAX	(1u << 23)
#define CPROF_HEAP_BUCKET	16
#define CPROF_HEAP_FILTER_SHIFT	12
#define CPROF_HEAP_FILTER_MAX	(1u << 22)
#define CPROF_MEMRATE_DEFAULT	524288
#define CPROF_MEMRATE_MAX	(1 << 30)
/* Profiles written on the dump signal (snap.c). */
#define CPROF_SNAP_MAX		16
/* A log line, preformatted. */
#define CPROF_LOG_LINE_MAX	512

#endif
