#!/usr/bin/env bash
# Threads snapshots never make a blocking call fail with EINTR: 40 snapshots (through
# cprof.h) while threads block in poll, nanosleep, select, read, sem_timedwait,
# epoll_wait and pthread_cond_wait (read from outside, never signalled) and others call
# poll and epoll_wait with a zero timeout as fast as they can (signalled; a call the
# signal interrupts on its way in is restarted). Every snapshot is a valid profile.
. tests/lib.sh
need go

mkdir -p "$T/snaps"
CPROF_STATS=1 run_cprof "$T/run" "$PROGS/threads_blocked" 40 "$T/snaps"
expect_status "threads_blocked with 40 snapshots" 0
read -r _ eintr _ calls < <(grep '^eintr ' "$T/run.out")
check "the threads made many calls (${calls:-0})" test "${calls:-0}" -gt 1000
check "none failed with EINTR (${eintr:-?})" test "${eintr:-1}" -eq 0
bad=0
for i in $(seq 0 39); do
	"$PDUMP" -check "$T/snaps/snap.$i" >/dev/null 2>&1 || bad=$((bad + 1))
done
check "the 40 snapshots are valid profiles ($bad bad)" test "$bad" -eq 0
check "go tool pprof reads the last one" pprof_ok "$T/snaps/snap.39"
check "every snapshot saw the poller blocked in poll" \
	test "$(for i in $(seq 0 39); do "$PDUMP" -raw "$T/snaps/snap.$i" | grep -c 'thread=poller state=sleeping .*frames __poll'; done | grep -c 1)" -eq 40
grep '^cprof: stats: threads' "$T/run.err" | sed 's/^/# /'
check "no call was left interrupted" grep -q 'could not restart 0$' "$T/run.err"
finish
