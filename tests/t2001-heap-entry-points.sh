#!/usr/bin/env bash
# Every entry point of the C allocator (malloc, calloc, realloc, reallocarray, memalign,
# posix_memalign, aligned_alloc, valloc, pvalloc), called a known number of times from a
# function named after it, at -memrate=1: the heap profile shows exactly that many objects
# and bytes allocated and exactly the blocks kept live as in use, with Go's sample types,
# period and the numeric label "bytes"; the allocs profile has the same data with
# alloc_space as its default; malloc_usable_size works on sampled blocks.
. tests/lib.sh
. tests/lib-heap.sh
need go

f=$T/heap.prof
a=$T/allocs.prof
run_cprof "$T/run" -heap="$f" -allocs="$a" -memrate=1 "$PROGS/heap_entry"
expect_status "heap_entry at -memrate=1" 0
check "our decoder reads the heap profile" pdump_ok "$f"
check "our decoder reads the allocs profile" pdump_ok "$a"
check "go tool pprof reads the heap profile without a warning" pprof_ok "$f"
check "go tool pprof reads the allocs profile without a warning" pprof_ok "$a"
check "heap: Go's sample types, no default marked (inuse_space, the last)" heap_types_ok "$f"
check "allocs: Go's sample types, alloc_space the default" heap_types_ok "$a" alloc_space
check "the period is the rate (1)" grep -qx 'Period: 1' "$f.raw"
check "malloc_usable_size is right for every sampled block" grep -qx 'usable_bad 0' "$T/run.out"
expect_exact "$f" "$T/run.out"
check "no sampled allocation is missing" no_drops "$f"
check "allocs holds the same samples as heap" \
	cmp <(grep '^sample:' "$f.dump" | sort) <(grep '^sample:' "$a.dump" | sort)
check "samples carry the block size as the numeric label bytes" \
	grep -q '^sample: 1000 100000 300 30000 | labels bytes=100 ' "$f.dump"
check "samples carry thread and tid labels" \
	awk -F' [|] ' '/^sample: / && ($2 !~ / tid=[0-9]+/ || $2 !~ /thread=heap_entry/) { bad = 1 } END { exit bad }' "$f.dump"
check "no frame of cprof's own (wrappers, sampler)" no_heap_cprof_frames "$f"
check "cprofrun reported both profiles" \
	sh -c "grep -q 'heap profile: $f' '$T/run.err' && grep -q 'allocs profile: $a' '$T/run.err'"
finish
