#!/usr/bin/env bash
# A program that closes every descriptor it did not open (as daemons and some shells do)
# cannot close the server's socket: the server lives in the profiler's own file table, so
# it keeps serving while the program runs, the program reuses the low descriptor numbers
# for files of its own, which hold only what it wrote, and nothing spins (the program's CPU
# time stays that of a sleeping program).
. tests/lib.sh
. tests/http.sh

http_start run -http=127.0.0.1:0 "$PROGS/http_closefds" "$T/own.txt"
# The program closes its descriptors 1 s after start, then sleeps 3 s: ask during the sleep.
sleep 2
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/debug/pprof/cmdline")
check "the server still answers after the program closed every descriptor (curl: $code)" \
	test "$code" = 200
http_wait
expect_status "http_closefds" 0
check "its own file holds only what it wrote" grep -qx 'own file intact' "$T/run.out"
ms=$(sed -n 's/^cpu_ms //p' "$T/run.out")
check "no spinning (${ms:-?} ms of CPU in 4 s)" test "${ms:-9999}" -lt 500
check "cprof printed nothing" sh -c "! grep -q '^cprof:' '$T/run.err'"
finish
