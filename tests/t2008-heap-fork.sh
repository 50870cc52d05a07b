#!/usr/bin/env bash
# fork while other threads allocate (four threads churn at -memrate=1, so forks land in
# the middle of sampled allocations): no hang (the run has a generous time limit, to turn
# a hang into a failure), every child exits 0 and writes PATH.PID with its own
# child_alloc exactly (100 allocated, 40 in use); the parent's profile has its churn and
# none of the children's allocations; cprofrun reports them all. Twice: with the CPU
# profiler on at 1000 Hz the second time.
. tests/lib.sh
. tests/lib-heap.sh
need go timeout

for run in heap cpu; do
	f=$T/heap-$run.prof
	extra=()
	[ "$run" = cpu ] && extra=(-cpu="$T/cpu.prof" -hz=1000)
	timeout -k 5 120 "$CPROFRUN" -heap="$f" -memrate=1 "${extra[@]}" "$PROGS/heap_fork" \
		>"$T/$run.out" 2>"$T/$run.err"
	status=$?
	expect_status "$run: heap_fork (124 would be a hang)" 0
	n=$(grep -c '^child [0-9]* status 0$' "$T/$run.out")
	check "$run: 10 children exited 0 ($n)" test "$n" -eq 10
	check "$run: the parent's profile reads" pdump_ok "$f"
	check "$run: go tool pprof reads it without a warning" pprof_ok "$f"
	check "$run: the parent's profile has churn_thread" grep -q 'churn_thread' "$f.dump"
	check "$run: the parent's profile has no child_alloc" sh -c "! grep -q child_alloc '$f.dump'"
	for pid in $(awk '$1 == "child" { print $2 }' "$T/$run.out"); do
		check "$run: child $pid's profile reads" pdump_ok "$f.$pid"
		expect_exact "$f.$pid" <(grep '^expect child_alloc' "$T/$run.out")
		check "$run: cprofrun reported child $pid's profile" grep -q "heap profile: $f.$pid (" "$T/$run.err"
	done
done
finish
