#!/usr/bin/env bash
# Memory allocated before the profiler started is freed and realloc'ed safely: a DT_NEEDED
# library's constructor (which runs before libcprof.so's) allocates 96 blocks with malloc,
# calloc and posix_memalign; the program frees half (malloc_usable_size still right) and
# reallocs the other half (contents kept; each realloc a new allocation charged to
# preinit_realloc, exactly, at -memrate=1); the constructor's own allocations are not in
# the profile. Then the same with a shim that makes dlsym allocate, as older C libraries
# do: cprof serves those requests from its start-up arena while it resolves the allocator,
# and that block (it lies in libcprof.so) survives malloc_usable_size, realloc and free.
. tests/lib.sh
. tests/lib-heap.sh
need go

f=$T/heap.prof
run_cprof "$T/run" -heap="$f" -memrate=1 "$PROGS/heap_preinit"
expect_status "heap_preinit at -memrate=1" 0
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
check "the early blocks kept their sizes and contents" grep -qx 'usable_bad 0' "$T/run.out"
expect_exact "$f" "$T/run.out"
check "the constructor's allocations (before start-up) are not in the profile" \
	sh -c "! grep -q early_ctor_alloc '$f.dump'"

g=$T/arena.prof
LD_PRELOAD=$PROGS/libdlsymalloc.so run_cprof "$T/run2" -heap="$g" -memrate=1 "$PROGS/heap_preinit"
expect_status "heap_preinit with an allocating dlsym" 0
check "the block dlsym allocated came from libcprof.so's arena and survived realloc" \
	grep -qx 'arena text=arena lib=libcprof.so usable=64 realloc=kept' "$T/run2.out"
check "the profile is written and reads" pdump_ok "$g"
expect_exact "$g" "$T/run2.out"
finish
