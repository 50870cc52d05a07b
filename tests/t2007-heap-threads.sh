#!/usr/bin/env bash
# 8 threads allocate, and each frees what its neighbour allocated: at -memrate=1 the
# profile has exactly every allocation and exactly the blocks kept in use, so each free on
# another thread was charged back to the record of the allocation; each thread's samples
# carry its own name, tid and block size; cprof's own allocation for each new thread is
# not in the profile. Threads that allocate while they exit (in a thread-specific data
# destructor, after cprof let go of their slot) are profiled too. At the default rate, a
# longer run is read back
# without a warning and has thread_alloc's allocations.
. tests/lib.sh
. tests/lib-heap.sh
need go

f=$T/heap.prof
run_cprof "$T/run" -heap="$f" -memrate=1 "$PROGS/heap_threads" 20000
expect_status "heap_threads at -memrate=1" 0
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
expect_exact "$f" "$T/run.out"
check "no sampled allocation is missing" no_drops "$f"
for i in 0 1 2 3 4 5 6 7; do
	size=$((64 + 16 * i))
	check "heapw-$i: 20000 blocks of $size bytes, 200 in use, charged to its own thread" \
		awk -v name="thread=heapw-$i" -v size="bytes=$size" -F' [|] ' '
			/^sample: / && $3 ~ /thread_alloc/ && (" " $2 " ") ~ (" " name " ") {
				split(substr($1, 9), v, " "); n += v[1]; live += v[3]; if ((" " $2 " ") !~ (" " size " ")) bad = 1 }
			END { exit bad || n != 20000 || live != 200 }' "$f.dump"
done
check "cprof's own allocation in pthread_create is not in the profile (16 bytes charged to main)" \
	sh -c "! grep '^sample: ' '$f.dump' | grep -q 'bytes=16 .*| frames main '"
tids=$(awk -F' [|] ' '/^sample: / && $3 ~ /thread_alloc/ { if (match($2, /tid=[0-9]+/)) print substr($2, RSTART, RLENGTH) }' "$f.dump" | sort -u | wc -l)
check "thread_alloc's samples come from 8 tids ($tids)" test "$tids" -eq 8

k=$T/keydtor.prof
run_cprof "$T/run3" -heap="$k" -memrate=1 "$PROGS/heap_keydtor"
expect_status "heap_keydtor at -memrate=1" 0
check "our decoder reads its profile" pdump_ok "$k"
expect_exact "$k" "$T/run3.out"
check "with their stacks" grep -q '^sample: .*frames late_alloc [^;]*;.*start_thread' "$k.dump"
check "none is missing" no_drops "$k"

g=$T/default.prof
run_cprof "$T/run2" -heap="$g" "$PROGS/heap_threads" 200000
expect_status "heap_threads at the default rate" 0
check "go tool pprof reads that profile" pprof_ok "$g"
check "our decoder reads it" pdump_ok "$g"
check "thread_alloc allocated about 192 MB (100 +- 20%: about 370 samples)" \
	within "$(percent "$(sum_where "$g" alloc_space '^thread_alloc$')" 192000000)" 100 20
finish
