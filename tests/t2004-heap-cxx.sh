#!/usr/bin/env bash
# C++ operator new and delete in every form libstdc++ has (plain, array, nothrow, aligned,
# aligned nothrow, sized, sized aligned: all 20 symbols, which the program is checked to
# use), each from a function named after it at -memrate=1: exactly the objects and bytes
# allocated and still in use. An operator new that throws std::bad_alloc (and a nothrow
# one that returns NULL) leaves the profiler working: the allocations after it count.
# Stacks start at the caller of operator new, never in libstdc++ or cprof.
. tests/lib.sh
. tests/lib-heap.sh
need go nm

prog=$PROGS/heap_cxx
n=$(nm -D --undefined-only "$prog" | grep -cE ' _Z(nw|na|dl|da)')
check "the program calls all 20 forms of operator new and delete ($n)" test "$n" -eq 20
f=$T/heap.prof
run_cprof "$T/run" -heap="$f" -memrate=1 "$prog"
expect_status "heap_cxx at -memrate=1" 0
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
check "std::bad_alloc was thrown 3 times and nothrow returned NULL" \
	grep -qx 'bad_alloc thrown 3 nothrow null 1' "$T/run.out"
expect_exact "$f" "$T/run.out"
check "no sampled allocation is missing" no_drops "$f"
check "no sample starts in operator new or delete" \
	sh -c "! grep '^sample: ' '$f.dump' | grep -q 'frames operator '"
check "no frame of cprof's own" no_heap_cprof_frames "$f"
finish
