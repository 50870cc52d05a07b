#!/usr/bin/env bash
# A program waits three times for about 200 ms, measuring each wait with clock_gettime:
# nanosleep in block_waits_sleep, pthread_cond_wait in block_waits_cond, a read from a
# pipe a helper thread writes to late in block_waits_pipe. The block profile charges each
# wait to its function with the right call= label, within 10% of what the program
# measured; go tool pprof -tagfocus='call=^read$' (and the others) selects each one alone.
. tests/lib.sh
need go

b=$T/block.prof
run_cprof "$T/run" -block="$b" "$PROGS/block_waits" 200
expect_status "block_waits" 0
check "our decoder reads the profile" pdump_ok "$b"
check "go tool pprof reads it without a warning" pprof_ok "$b"
check "sample types contentions/count, delay/nanoseconds (default)" \
	grep -qx 'sample_types: contentions/count delay/nanoseconds\[dflt\]' "$b.dump"
check "no frame of cprof's own" no_cprof_frames "$b"
read -r _ sleep_ns _ cond_ns _ pipe_ns <"$T/run.out"
[ -n "${pipe_ns:-}" ] || broken "the program printed nothing: $(cat "$T/run.out")"

for w in "sleep nanosleep $sleep_ns" "cond pthread_cond_wait $cond_ns" "pipe read $pipe_ns"; do
	set -- $w
	fn=block_waits_$1 call=$2 truth=$3
	got=$(percent "$(sum_tagged "$b" delay "call=$call" "^$fn\$")" "$truth")
	check "$fn: call=$call has $got% of the measured wait (100 +- 10)" within "$got" 100 10
	check "$fn: one contention" test "$(sum_tagged "$b" contentions "call=$call" "^$fn\$")" -eq 1
	other=$(( $(sum_where "$b" delay "^$fn\$") - $(sum_tagged "$b" delay "call=$call" "^$fn\$") ))
	check "$fn: no other call's wait (${other} ns)" test "$other" -lt 1000000
	go tool pprof -top -nodefraction=0 "-tagfocus=call=^$call\$" "$b" >"$T/focus-$call" 2>"$T/focus-$call.err"
	check "-tagfocus=call=^$call\$ keeps $fn" grep -q " $fn\$" "$T/focus-$call"
	for o in sleep cond pipe; do
		[ "$o" = "$1" ] && continue
		check "-tagfocus=call=^$call\$ leaves out block_waits_$o" \
			sh -c "! grep -q ' block_waits_$o\$' '$T/focus-$call'"
	done
done
go tool pprof -tags "$b" >"$T/tags" 2>&1
check "go tool pprof -tags lists the call label" grep -q '^ *call: Total' "$T/tags"
finish
