#!/usr/bin/env bash
# EINTR and errno are the real calls' own: a SIGALRM handler installed without SA_RESTART
# (it calls write itself) interrupts poll, read, nanosleep, select, epoll_wait, sem_wait
# and waitpid 100 ms in, and each fails with EINTR under -block and -mutex exactly as it
# does without cprof; with SA_RESTART a read is restarted; a successful read and lock
# leave errno alone. The interrupted poll is in the block profile with its 100 ms.
. tests/lib.sh
need go

"$PROGS/block_eintr" >"$T/plain.out" 2>&1
check "without cprof: poll fails with EINTR" grep -qx 'poll: -1 EINTR' "$T/plain.out"
b=$T/block.prof
run_cprof "$T/run" -block="$b" -mutex="$T/mutex.prof" "$PROGS/block_eintr"
expect_status "block_eintr under cprof" 0
if diff -u "$T/plain.out" "$T/run.out" >"$T/diff"; then ok "same results with and without cprof"; else
	bad "results differ with cprof"; cat "$T/diff"; fi
for call in poll read nanosleep select epoll_wait sem_wait waitpid; do
	check "$call: -1 EINTR" grep -qx "$call: -1 EINTR" "$T/run.out"
done
check "read with SA_RESTART restarted" grep -qx 'read with SA_RESTART: 1 -' "$T/run.out"
check "errno kept after a successful read" grep -qx 'errno after a successful read: 12345' "$T/run.out"
check "errno kept after a successful lock" grep -qx 'errno after a successful lock: 12345' "$T/run.out"
check "our decoder reads the profile" pdump_ok "$b"
check "go tool pprof reads it without a warning" pprof_ok "$b"
ms=$(( $(sum_tagged "$b" delay call=poll '^block_eintr_poll$') / 1000000 ))
check "block_eintr_poll: call=poll, $ms ms until the signal (100 to 200)" test "$ms" -ge 100 -a "$ms" -le 200
finish
