#!/usr/bin/env bash
# The thread dump (-threads=FILE.txt, and cprof_write_profile("goroutine", path, 2), Go's
# goroutine?debug=2): one block per thread, each thread exactly once, with its name,
# state and full stack with files and lines; Go's debug=1 text of the same snapshot is
# read by go tool pprof.
. tests/lib.sh
need go

run_cprof "$T/run" -threads="$T/exit.txt" "$PROGS/threads_blocked" 2 "$T"
expect_status "threads_blocked" 0
check "cprofrun reports the text" grep -q "threads profile: $T/exit.txt (text, 14 threads)" "$T/run.err"
want=$(awk '$1 == "thread" { print $3 }' "$T/run.out" | sort -n | tr '\n' ' ')
for d in "$T/exit.txt" "$T/dump.txt"; do
	n=$(basename "$d")
	got=$(sed -n 's/^thread \([0-9]*\) .*/\1/p' "$d" | sort -n | tr '\n' ' ')
	check "$n: every thread exactly once ($(wc -w <<<"$got") blocks)" test "$got" = "$want"
	awk '$1 == "thread" && $2 != "main" { print $2, $3 }' "$T/run.out" | while read -r name tid; do
		grep -q "^thread $tid \"$name\" \[[a-z ]*\]:\$" "$d" || echo "$name $tid"
	done >"$d.missing"
	check "$n: each block is headed by the thread's tid, name and state" test ! -s "$d.missing"
	check "$n: the poller's stack, symbolized with file and line" \
		sh -c "grep -A12 '\"poller\" \[sleeping\]:\$' '$d' | grep -A1 '^threads_blocked_poll\$' | grep -qE '^	/.*/threads_blocked.c:[0-9]+ \\+0x[0-9a-f]+\$'"
	check "$n: the poller's labels (role=io)" \
		sh -c "grep -A1 '\"poller\" \[sleeping\]:\$' '$d' | grep -qx 'labels: {\"role\":\"io\"}'"
	check "$n: the masked thread is there with its reason" \
		sh -c "grep -A1 '\"masked\" \[running\]:\$' '$d' | grep -qx '\[thread blocks the snapshot signal\]'"
	check "$n: blocks end with a blank line" test "$(grep -c '^thread ' "$d")" -eq "$(grep -c '^$' "$d")"
done
go tool pprof -raw "$T/debug1.txt" >"$T/debug1.raw" 2>"$T/debug1.err"
check "debug=1: go tool pprof reads it" test $? -eq 0
check "debug=1: goroutine/count" grep -qx 'goroutine/count' "$T/debug1.raw"
check "debug=1: the header counts every thread" grep -qx 'goroutine profile: total 14' "$T/debug1.txt"
check "debug=1: the three waiters are one record" grep -qE '^3 @( 0x[0-9a-f]+)+$' "$T/debug1.txt"
check "debug=1: their labels" grep -qx '# labels: {"state":"sleeping", "thread":"waiter"}' "$T/debug1.txt"
finish
