#!/usr/bin/env bash
# A program whose own SIGUSR2 handler calls malloc (and which allocates on another thread
# all the while): every SIGUSR2 writes a snapshot and runs the program's handler, whose
# allocations are profiled like any other (exactly, at -memrate=1, with the handler's
# caller below it in the stack); cprof says once that it shares the signal.
. tests/lib.sh
. tests/lib-heap.sh
need go

f=$T/heap.prof
mkdir "$T/sync"
"$CPROFRUN" -heap="$f" -memrate=1 "$PROGS/heap_sigmalloc" "$T/sync" >"$T/run.out" 2>"$T/run.err" &
pid=$!
wait_for "$T/sync/ready" || bad "the program never got ready"
for i in 1 2 3 4 5; do
	kill -USR2 "$pid"
	check "signal $i: snapshot $f.$i" wait_for "$f.$i"
done
touch "$T/sync/stop"
wait "$pid"
status=$?
expect_status "heap_sigmalloc" 0
check "the program's handler ran for each of the 5 signals" grep -qx 'handled 5' "$T/run.out"
check "the final profile reads" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
expect_exact "$f" "$T/run.out"
check "no sampled allocation is missing" no_drops "$f"
check "handler_alloc's stack goes on through the signal frame to main" \
	sh -c "grep '^sample: ' '$f.dump' | grep -q 'handler_alloc.*;on_usr2.*;main '"
for i in 1 2 3 4 5; do
	check "snapshot $i reads" "$PDUMP" -check "$f.$i"
done
check "cprof said once that it shares SIGUSR2 with the program" \
	test "$(grep -c "the program installed its own handler for signal 12; cprof also uses it for snapshots, and the program's handler still gets every such signal" "$T/run.err")" -eq 1
finish
