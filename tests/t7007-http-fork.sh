#!/usr/bin/env bash
# Fork while serving: a CPU profile request is in progress (the sampler is on) when the
# program forks; the child neither serves (once the parent has exited, nobody answers on
# its port, though the child still runs) nor keeps the parent's sampler: its CPROF_STATS
# line counts no sample. The parent's output and status are its own.
. tests/lib.sh
. tests/http.sh

CPROF_STATS=1 http_start run -http=127.0.0.1:0 "$PROGS/http_fork" "$T/fork"
hget "/debug/pprof/profile?seconds=5" -o /dev/null &
curl_job=$!
sleep 0.5
touch "$T/fork"
http_wait
expect_status "http_fork (the parent)" 0
child=$(sed -n 's/^child \([0-9]*\)$/\1/p' "$T/run.out")
[ -n "$child" ] || broken "no child pid in: $(cat "$T/run.out")"
check "the child outlives the parent" kill -0 "$child"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/debug/pprof/cmdline")
check "nobody serves on the parent's port once it has gone (curl: $code)" test "$code" = 000
for i in $(seq 100); do
	kill -0 "$child" 2>/dev/null || break
	sleep 0.1
done
wait "$curl_job"
line=$(awk 'seen { print; exit } /^child exiting$/ { seen = 1 }' "$T/run.err")
check "the child took no CPU sample of its own (${line:-no stats line})" \
	bash -c "echo '$line' | grep -q '^cprof: stats: cpu samples 0 '"
finish
