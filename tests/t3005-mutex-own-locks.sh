#!/usr/bin/env bash
# cprof's own locks and calls are never profiled, and calls made before cprof starts work:
# a library's constructor locks a mutex, waits on a condition variable, uses a pipe, poll,
# fcntl and nanosleep before libcprof.so's constructor has run; then 8 threads create and
# join 800 threads, which keeps cprof's thread registry lock busy while the program has no
# lock of its own. The mutex profile has no sample, the block profile only pthread_join
# waits, and neither has a frame of cprof's own.
. tests/lib.sh
need go

m=$T/mutex.prof
b=$T/block.prof
run_cprof "$T/run" -mutex="$m" -block="$b" "$PROGS/early_locks"
expect_status "early_locks" 0
check "the early constructor's calls worked" grep -qx 'early ok' "$T/run.out"
check "800 threads ran" grep -qx 'threads 800' "$T/run.out"
for f in "$m" "$b"; do
	check "$(basename "$f"): our decoder reads it" pdump_ok "$f"
	check "$(basename "$f"): go tool pprof reads it without a warning" pprof_ok "$f"
	check "$(basename "$f"): no frame of cprof's own" no_cprof_frames "$f"
done
check "mutex: no sample (the program has no lock)" test "$(grep -c '^sample: ' "$m.dump")" -eq 0
check "block: pthread_join waits were recorded" \
	test "$(sum_tagged "$b" contentions call=pthread_join '^spawner$')" -gt 0
others=$(awk -F' [|] ' '/^sample: / && $2 !~ / call=pthread_join( |$)/' "$b.dump" | wc -l)
check "block: no other call ($others samples)" test "$others" -eq 0
finish
