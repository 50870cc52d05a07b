#!/usr/bin/env bash
# go tool pprof fetches every endpoint from a running program over TCP, exactly as from a
# Go server: profile?seconds=2 (-raw and -top: the hot function, Go's CPU sample types,
# the window's duration), a named profile, its delta with -seconds, and the CPU profile
# once more with remote symbolization forced. The CPU sampler runs only
# while a profile request is in progress: the samples CPROF_STATS counts are the samples
# of the three profiles fetched, not those of the whole run. The port is 0: the kernel picks it, cprofrun says it.
. tests/lib.sh
. tests/http.sh
need go

CPROF_STATS=1 CPROF_TEST_SOURCE=1 http_start run -http=127.0.0.1:0 "$HTTP_BUSY" 60000 0 "$T/stop"
case $ADDR in 127.0.0.1:[1-9]*) ok "cprofrun says where it serves: $ADDR" ;; *) bad "address '$ADDR'" ;; esac
sleep 1
cd "$T" || broken "no $T"

go tool pprof -raw "$URL/debug/pprof/profile?seconds=2" >cpu.raw 2>cpu.err
check "pprof -raw fetches profile?seconds=2" grep -q '^Samples:' cpu.raw
check "Go's CPU sample types" grep -q '^samples/count cpu/nanoseconds$' cpu.raw
check "pprof says it fetched over HTTP" grep -q "Fetching profile over HTTP from $URL/debug/pprof/profile?seconds=2" cpu.err
saved=$(sed -n 's/^Saved profile in //p' cpu.err)
check "pprof saved the profile" test -s "$saved"
pdump_ok "$saved" || bad "our decoder cannot read $saved"
check "the hot function of the main thread is there" test "$(sum_where "$saved" cpu '^http_busy_work$')" -gt 0
check "and the helper thread's" test "$(sum_where "$saved" cpu '^http_busy_helper$')" -gt 0
dur=$(awk '/^duration_nanos:/ { print $2 }' "$saved.dump")
check "the profile covers the window asked for (${dur:-?} ns, 2 s to 10 s)" \
	bash -c "[ '${dur:-0}' -ge 2000000000 ] && [ '${dur:-0}' -lt 10000000000 ]"
cpu=$(total "$saved" cpu)
check "at most the CPU two threads can use in the window ($cpu ns <= 2.2 s per second)" \
	test "$cpu" -le $((dur * 22 / 10))
check "no cprof frame in it" no_cprof_frames "$saved"

go tool pprof -top -nodefraction=0 "$URL/debug/pprof/profile?seconds=1" >top.txt 2>top.err
check "pprof -top fetches a second profile" grep -q ' http_busy_work$' top.txt

go tool pprof -raw "$URL/debug/pprof/cprof_test" >named.raw 2>named.err
check "pprof -raw fetches a named profile" grep -q '^cprof_test/count$' named.raw
go tool pprof -raw -seconds 1 "$URL/debug/pprof/cprof_test" >delta.raw 2>delta.err
check "pprof -seconds 1 fetches a delta of the named profile" grep -q 'cprof_test?seconds=1' delta.err
check "the delta is a cprof_test profile" grep -q '^cprof_test/count$' delta.raw

# pprof POSTs to /debug/pprof/symbol only the addresses of locations without a name; cprof
# names every address it can in the process, so with remote symbolization forced pprof
# has nothing to ask, and must still read the profile cleanly (t7002 sends pprof's POST).
go tool pprof -raw -symbolize=remote:force "$URL/debug/pprof/profile?seconds=1" >remote.raw 2>remote.err
check "remote symbolization forced: pprof reads the profile" grep -q '^Samples:' remote.raw
check "remote symbolization forced: the names are there" grep -q ' http_busy_work ' remote.raw
check "remote symbolization forced: no error" bash -c "! grep -qi 'error\|failed' remote.err"

touch "$T/stop"
http_wait
expect_status "http_busy under the server" 0
check "its output is its own" test "$(cat "$T/run.out")" = "$(printf 'checksum ce8eefe99cd3cc41\ndone')"
n=$(sed -n 's/^cprof: stats: cpu samples \([0-9]*\) .*/\1/p' "$T/run.err")
windows=0
for f in "$T"/pprof/pprof.http_busy.samples.cpu.*.pb.gz; do
	pdump_ok "$f" && windows=$((windows + $(total "$f" samples)))
done
check "the sampler ran only while a CPU profile was asked for (${n:-?} samples taken, $windows in the three profiles)" \
	test "${n:-99999}" -le $((windows + windows / 10 + 20))
finish
