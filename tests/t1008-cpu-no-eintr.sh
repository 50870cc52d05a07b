#!/usr/bin/env bash
# Threads waiting in poll, nanosleep, select and epoll_wait with short timeouts, while two
# threads burn CPU under -hz=1000 sampling: no call fails with EINTR because of cprof.
. tests/lib.sh

f=$T/eintr.prof
run_cprof "$T/run" -cpu="$f" -hz=1000 "$PROGS/eintr" 2000
expect_status "eintr" 0
read -r _ eintr _ waits <"$T/run.out"
check "the waiting threads made many calls (${waits:-0})" test "${waits:-0}" -gt 100
check "none failed with EINTR (${eintr:-?})" test "${eintr:-1}" -eq 0
check "our decoder reads the profile" pdump_ok "$f"
finish
