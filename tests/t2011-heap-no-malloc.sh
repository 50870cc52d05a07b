#!/usr/bin/env bash
# cprof's allocator wrappers never allocate themselves, sampled or not: a counting shim
# preloaded *after* libcprof.so (so cprof's real_* pointers lead to it) counts the calls
# that reach the C library from a thread that makes exactly 17 allocator calls per round
# (malloc, calloc, realloc, reallocarray, memalign, aligned_alloc, posix_memalign,
# valloc, pvalloc and 8 frees). At -memrate=1 every allocation takes the sampling path
# (stack capture, tables), at the default rate almost none does; either way the shim
# must count exactly the program's calls: one more would be cprof allocating while it
# samples. The same count at both rates also shows the shim sees the calls.
. tests/lib.sh
. tests/lib-heap.sh

for rate in 1 524288; do
	f=$T/heap-$rate.prof
	LD_PRELOAD="$LIB $PROGS/libheapcount.so" CPROF_HEAP=$f CPROF_MEMRATE=$rate CPROF_STATS=1 \
		"$PROGS/heap_count" >"$T/run-$rate.out" 2>"$T/run-$rate.err"
	status=$?
	expect_status "heap_count at -memrate=$rate" 0
	read -r _ got _ want <"$T/run-$rate.out"
	check "-memrate=$rate: ${got:-?} calls reached the C library for the program's ${want:-?}" \
		test "${got:-0}" -eq "${want:--1}" -a "${want:-0}" -gt 100000
	check "-memrate=$rate: the profile reads" pdump_ok "$f"
done
samples=$(sed -n 's/.*stats: heap samples \([0-9]*\) .*/\1/p' "$T/run-1.err")
check "-memrate=1 sampled all 180000 allocations (${samples:-?})" test "${samples:-0}" -eq 180000
finish
