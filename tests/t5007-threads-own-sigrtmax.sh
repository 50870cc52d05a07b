#!/usr/bin/env bash
# A program that handles SIGRTMAX itself, the signal the threads snapshot sends to running
# threads: its handler gets every SIGRTMAX it sends itself (sigqueue and raise) and none
# of the snapshot's, while snapshots are taken; cprof says once that it shares the signal.
. tests/lib.sh

mkdir -p "$T/snaps"
run_cprof "$T/run" "$PROGS/threads_sigrtmax" "$T/snaps"
expect_status "threads_sigrtmax" 0
check "the program's handler saw all 400 of its signals and none of cprof's" \
	grep -qx 'handled 400 of 400, foreign 0' "$T/run.out"
bad=0
for i in $(seq 0 9); do
	"$PDUMP" -raw "$T/snaps/snap.$i" >"$T/snaps/$i.dump" 2>/dev/null || bad=$((bad + 1))
done
check "10 snapshots written and valid ($bad bad)" test "$bad" -eq 0
check "the spinning thread answered the snapshot's signal" \
	grep -q 'frames threads_sigrtmax_spin' "$T/snaps/9.dump"
check "cprof says it shares the signal" grep -q '^cprof: .*signal 64' "$T/run.err"
finish
