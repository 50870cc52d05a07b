#!/usr/bin/env bash
# The threads profile written at exit (-threads=FILE): every thread of the program once,
# with its name, its state and the function it blocks in (poll, nanosleep, select, read,
# sem_timedwait, epoll_wait, pthread_cond_wait), read from outside while it sleeps; the
# three identical workers are one sample of 3 with three tids; running threads answer
# the signal; a thread that blocks every signal is reported (a named frame and a log
# line) and the snapshot still completes. Go's sample type goroutine/count.
. tests/lib.sh
need go

f=$T/threads.prof
run_cprof "$T/run" -threads="$f" "$PROGS/threads_blocked"
expect_status "threads_blocked" 0
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
check "sample type goroutine/count, period type goroutine/count" \
	grep -qx 'sample_types: goroutine/count\[dflt\]' "$f.dump"
check "period type goroutine/count" grep -qx 'period_type: goroutine/count' "$f.dump"

# sample_of NAME: the pdump line of the sample whose thread label is NAME.
sample_of() {
	grep -E "^sample: [0-9]+ \| labels (.* )?thread=$1( |\$)" "$f.dump"
}

for t in "poller __poll threads_blocked_poll" "sleeper clock_nanosleep threads_blocked_nanosleep" \
	"selecter __select threads_blocked_select" "reader read threads_blocked_read" \
	"semwaiter __futex_abstimed_wait_common threads_blocked_sem" \
	"epoller epoll_wait threads_blocked_epoll" \
	"waiter pthread_cond_wait threads_blocked_cond"; do
	set -- $t
	line=$(sample_of "$1")
	check "$1: one sample" test "$(printf '%s\n' "$line" | grep -c .)" -eq 1
	check "$1: sleeping" grep -q ' state=sleeping ' <<<"$line"
	check "$1: blocked in $2, called from $3" \
		grep -qE "frames (.*;)?$2 [^;]*;(.*;)?$3 " <<<"$line"
done
line=$(sample_of waiter)
check "waiter: the three identical workers are one sample of 3" grep -q '^sample: 3 |' <<<"$line"
want=$(awk '$1 == "thread" && $2 == "waiter" { print $3 }' "$T/run.out" | sort | tr '\n' ' ')
got=$(grep -oE 'tid=[0-9]+' <<<"$line" | cut -d= -f2 | sort | tr '\n' ' ')
check "waiter: with the three tids ($got)" test "$got" = "$want"
check "spinner: running, in threads_blocked_spin" \
	grep -qE ' state=running .*frames threads_blocked_spin ' <<<"$(sample_of spinner)"
check "busypoll: in threads_blocked_busy_poll" grep -q 'threads_blocked_busy_poll ' <<<"$(sample_of busypoll)"
check "masked: reported with a named frame" \
	grep -qE 'frames \[thread blocks the snapshot signal\]$' <<<"$(sample_of masked)"
masked=$(awk '$1 == "thread" && $2 == "masked" { print $3 }' "$T/run.out")
check "masked: and a log line" grep -q "^cprof: thread $masked (masked) blocks signal" "$T/run.err"
check "labels: the blocked poller's (role=io), read from outside" grep -q ' role=io ' <<<"$(sample_of poller)"
check "labels: the running spinner's (role=compute), read by the handler" \
	grep -q ' role=compute ' <<<"$(sample_of spinner)"
check "labels: nobody else's" test "$(grep -c ' role=' "$f.dump")" -eq 2
check "every sample has a state label" \
	awk -F' [|] ' '/^sample: / && $2 !~ / state=[a-z]/ { bad = 1 } END { exit bad }' "$f.dump"

# Every thread exactly once: the tids in the profile are the program's.
want=$(awk '$1 == "thread" { print $3 }' "$T/run.out" | sort -n | tr '\n' ' ')
got=$(grep '^sample: ' "$f.dump" | grep -oE 'tid=[0-9]+' | cut -d= -f2 | sort -n | tr '\n' ' ')
check "every thread once, cprof's own left out ($(wc -w <<<"$got") tids)" test "$got" = "$want"
check "the goroutine count is the number of threads" \
	test "$(total "$f" goroutine)" -eq "$(wc -w <<<"$want")"
check "no frame of cprof's own" no_cprof_frames "$f"
go tool pprof -traces -tagfocus=thread=waiter "$f" >"$f.waiter" 2>&1
check "go tool pprof -tagfocus=thread=waiter: 3 in pthread_cond_wait" \
	grep -qE '^ +3 +__futex_abstimed_wait_common' "$f.waiter"
finish
