#!/usr/bin/env bash
# The interposed calls stay cancellation points: threads blocked in read on a pipe,
# pthread_cond_wait, nanosleep, poll, sem_wait and pthread_join are cancelled with
# pthread_cancel under -block and -mutex; each ends with PTHREAD_CANCELED after its
# cleanup handler ran (the condition variable's with the mutex held again), and the
# profiler keeps recording afterwards (a 50 ms sleep in block_cancel_after).
. tests/lib.sh
need go

"$PROGS/block_cancel" >"$T/plain.out" 2>&1
b=$T/block.prof
run_cprof "$T/run" -block="$b" -mutex="$T/mutex.prof" "$PROGS/block_cancel"
expect_status "block_cancel under cprof" 0
if diff -u "$T/plain.out" "$T/run.out" >"$T/diff"; then ok "same output with and without cprof"; else
	bad "output differs with cprof"; cat "$T/diff"; fi
for what in read cond_wait nanosleep poll sem_wait join; do
	check "$what: cancelled, cleanup ran" grep -qx "$what: join 0, canceled, cleanup ran" "$T/run.out"
done
check "done" grep -qx done "$T/run.out"
check "our decoder reads the profile" pdump_ok "$b"
check "go tool pprof reads it without a warning" pprof_ok "$b"
ms=$(( $(sum_tagged "$b" delay call=nanosleep '^block_cancel_after$') / 1000000 ))
check "recording goes on after the cancellations: block_cancel_after slept $ms ms (50 to 150)" \
	test "$ms" -ge 50 -a "$ms" -le 150
finish
