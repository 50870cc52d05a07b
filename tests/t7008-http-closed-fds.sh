#!/usr/bin/env bash
# A program that closes every descriptor it did not open (as daemons and some shells do)
# closes the server's listening socket too: the server notices, says so once and stops
# serving, without touching the descriptors again (the program reuses their numbers for a
# file of its own, which must hold only what it wrote) and without spinning on them (the
# program's CPU time stays that of a sleeping program; before the fix it was the 3 s of
# its sleep).
. tests/lib.sh
. tests/http.sh

http_start run -http=127.0.0.1:0 "$PROGS/http_closefds" "$T/own.txt"
http_wait
expect_status "http_closefds" 0
check "its own file holds only what it wrote" grep -qx 'own file intact' "$T/run.out"
ms=$(sed -n 's/^cpu_ms //p' "$T/run.out")
check "no spinning on the closed descriptors (${ms:-?} ms of CPU in 4 s)" test "${ms:-9999}" -lt 500
check "one line says the server stopped" \
	test "$(grep -c "^cprof: the program closed the /debug/pprof/ server's socket; no longer serving$" "$T/run.err")" = 1
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/debug/pprof/cmdline")
check "nobody answers on the port any more (curl: $code)" test "$code" = 000
finish
