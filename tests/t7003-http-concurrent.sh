#!/usr/bin/env bash
# Requests at the same time while the program runs: a 4-second CPU profile and a
# 2-second delta wait together, a client that connects and sends nothing holds a
# connection, and meanwhile twelve other requests (index, cmdline, symbol, a named
# profile and its text) are all answered, every one of them before the CPU profile is:
# waits and slow clients hold no thread. Then the silent client is cut off (the server
# gives a request 10 s to arrive), and the program's output and status are its own.
. tests/lib.sh
. tests/http.sh
need go

CPROF_TEST_SOURCE=1 http_start run -cpu="$T/cpu.prof" -http=127.0.0.1:0 "$HTTP_BUSY" 60000 5 "$T/stop"
sleep 0.5
stamp() { date +%s%N >"$1"; }

( hget "/debug/pprof/profile?seconds=4" -o "$T/cpu.pb.gz" -w '%{http_code}' >"$T/cpu.code"; stamp "$T/cpu.end" ) &
cpu_job=$!
( hget "/debug/pprof/cprof_test?seconds=2" -o "$T/delta.pb.gz" -w '%{http_code}' >"$T/delta.code"; stamp "$T/delta.end" ) &
delta_job=$!
: | "$HREQ" -t 30000 "$ADDR" >"$T/silent.out" 2>"$T/silent.err" &
silent_job=$!
sleep 0.5

paths=(/debug/pprof/ /debug/pprof/ /debug/pprof/ /debug/pprof/cmdline /debug/pprof/cmdline
	/debug/pprof/symbol /debug/pprof/cprof_test /debug/pprof/cprof_test
	"/debug/pprof/cprof_test?debug=1" "/debug/pprof/cprof_test?debug=1" /debug/pprof/nosuch
	/debug/pprof/)
jobs=()
for i in "${!paths[@]}"; do
	( hget "${paths[$i]}" -o "$T/r$i" -w '%{http_code}' >"$T/r$i.code"; stamp "$T/r$i.end" ) &
	jobs+=($!)
done
for j in "${jobs[@]}"; do wait "$j"; done
for i in "${!paths[@]}"; do
	want=200
	[ "${paths[$i]}" = /debug/pprof/nosuch ] && want=404
	check "${paths[$i]} answered $want while the CPU profile and the delta wait" test "$(cat "$T/r$i.code")" = $want
done
wait "$cpu_job" "$delta_job"
check "the CPU profile: 200" test "$(cat "$T/cpu.code")" = 200
check "the delta: 200" test "$(cat "$T/delta.code")" = 200
check "the CPU profile is readable" pprof_ok "$T/cpu.pb.gz"
check "the delta is readable" pprof_ok "$T/delta.pb.gz"
last=0
for i in "${!paths[@]}"; do
	t=$(cat "$T/r$i.end")
	[ "$t" -gt "$last" ] && last=$t
done
check "all twelve answers came before the CPU profile's" test "$last" -lt "$(cat "$T/cpu.end")"
check "and before the delta's, which waited at the same time" test "$last" -lt "$(cat "$T/delta.end")"
check "the delta came before the CPU profile" test "$(cat "$T/delta.end")" -lt "$(cat "$T/cpu.end")"
check "the silent client is still connected after that" kill -0 "$silent_job"
wait "$silent_job"
rc=$?
check "the silent client is cut off by the server (hreq: $(cat "$T/silent.err"))" test $rc -eq 0
check "without an answer (Go closes a request that does not come)" test ! -s "$T/silent.out"

touch "$T/stop"
http_wait
expect_status "http_busy" 5
check "its output is its own" test "$(cat "$T/run.out")" = "$(printf 'checksum ce8eefe99cd3cc41\ndone')"
check "no cprof: line on its stderr" bash -c "! grep -q '^cprof:' '$T/run.err'"
finish
