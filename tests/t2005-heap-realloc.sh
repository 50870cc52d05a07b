#!/usr/bin/env bash
# realloc chains at -memrate=1: each realloc of a sampled block is a free of the old block
# and an allocation of the new size charged to the caller, whether the block grows in
# place, moves (past the mmap threshold) or shrinks; reallocarray likewise; realloc(p, 0)
# frees; a realloc that fails leaves the old block allocated and still sampled (its later
# free is counted). Exact objects and bytes, allocated and in use, per function. The same
# program at the default rate runs and writes a readable profile.
. tests/lib.sh
. tests/lib-heap.sh
need go

f=$T/heap.prof
run_cprof "$T/run" -heap="$f" -memrate=1 "$PROGS/heap_realloc"
expect_status "heap_realloc at -memrate=1" 0
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
check "every impossible realloc failed" grep -qx 'realloc failed 40 times' "$T/run.out"
expect_exact "$f" "$T/run.out"
check "no sampled allocation is missing" no_drops "$f"
check "no frame of cprof's own" no_heap_cprof_frames "$f"
g=$T/default.prof
run_cprof "$T/run2" -heap="$g" "$PROGS/heap_realloc"
expect_status "heap_realloc at the default rate" 0
check "go tool pprof reads that profile" pprof_ok "$g"
finish
