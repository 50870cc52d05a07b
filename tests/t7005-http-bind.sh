#!/usr/bin/env bash
# Secure by default. cprofrun refuses -http on an address that is not loopback (every
# interface, or a host's own address) with exit status 2 before the program runs,
# unless -http-public is given; the library refuses it too when started without the
# launcher (one cprof: line, the program runs unserved). Malformed addresses are usage
# errors. A Unix socket is created 0600, replaces a stale socket left by a dead process,
# leaves alone a file that is not a socket, and is removed at exit. Flags that only go
# together (-period and -outdir) are checked.
. tests/lib.sh
. tests/http.sh

for addr in 0.0.0.0:0 :0 "[::]:0" 10.1.2.3:6060; do
	run_cprof "$T/refuse" -http="$addr" "$HTTP_BUSY" 100
	expect_status "-http=$addr refused" 2
	check "-http=$addr: one line that says why" grep -qF "cprofrun: -http=$addr is not a loopback address" "$T/refuse.err"
	check "-http=$addr: the program did not run" test ! -s "$T/refuse.out"
done
for addr in 127.0.0.1 127.0.0.1:x 127.0.0.1:70000 example.com:80 "[::1:80" unix:; do
	run_cprof "$T/bad" -http="$addr" "$HTTP_BUSY" 100
	expect_status "-http=$addr is a usage error" 2
done
run_cprof "$T/lo" -http="[::1]:0" "$HTTP_BUSY" 300 4
expect_status "-http=[::1]:0 (IPv6 loopback) runs the program" 4

# Without the launcher: the library's own check.
LD_PRELOAD=$LIB CPROF_HTTP=0.0.0.0:0 "$HTTP_BUSY" 200 6 >"$T/pre.out" 2>"$T/pre.err"
status=$?
expect_status "LD_PRELOAD with CPROF_HTTP=0.0.0.0:0: the program runs" 6
check "the library refuses it in one cprof: line" \
	test "$(grep -c '^cprof: not serving http on .0.0.0.0:0.: not a loopback address' "$T/pre.err")" = 1
check "and writes nothing else" test "$(grep -c . "$T/pre.err")" = 2

# -http-public: every interface, reachable on loopback too.
http_start pub -http=0.0.0.0:0 -http-public "$HTTP_BUSY" 60000 0 "$T/stop"
port=${ADDR##*:}
check "-http-public serves on every interface (0.0.0.0:$port)" test "${ADDR%:*}" = 0.0.0.0
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/debug/pprof/cmdline")
check "and answers ($code)" test "$code" = 200
touch "$T/stop"
http_wait
expect_status "the program with -http-public" 0
rm -f "$T/stop"

# Unix sockets.
sock=$T/s.sock
: >"$T/file.sock"
LD_PRELOAD=$LIB CPROF_HTTP="unix:$T/file.sock" "$HTTP_BUSY" 100 0 >"$T/f.out" 2>"$T/f.err"
check "a regular file in the way is left alone" test -f "$T/file.sock" -a ! -S "$T/file.sock"
check "and the library says so" grep -q "^cprof: cannot serve http on 'unix:$T/file.sock': File exists" "$T/f.err"
# A stale socket: a server that was killed leaves its socket behind.
http_start stale -http="unix:$sock" "$HTTP_BUSY" 60000 0 "$T/stop"
kill -KILL "$TARGET"
http_wait
check "a killed server leaves its socket" test -S "$sock"
http_start fresh -http="unix:$sock" "$HTTP_BUSY" 60000 0 "$T/stop"
code=$(hget /debug/pprof/cmdline -o /dev/null -w '%{http_code}')
check "a stale socket is replaced ($code)" test "$code" = 200
check "the socket is 0600" test "$(stat -c %a "$sock")" = 600
# A second server on a live socket is refused, and leaves it to the first.
LD_PRELOAD=$LIB CPROF_HTTP="unix:$sock" "$HTTP_BUSY" 100 0 >"$T/two.out" 2>"$T/two.err"
check "a live socket is not taken over" grep -q "^cprof: cannot serve http on 'unix:$sock': Address already in use" "$T/two.err"
code=$(hget /debug/pprof/cmdline -o /dev/null -w '%{http_code}')
check "the first server still answers ($code)" test "$code" = 200
touch "$T/stop"
http_wait
expect_status "the program on the socket" 0
check "the socket is removed at exit" test ! -e "$sock"

# Flags that go together.
run_cprof "$T/p1" -period=1s "$HTTP_BUSY" 100
expect_status "-period without -outdir" 2
check "-period without -outdir says so" grep -q '^cprofrun: -period needs -outdir=DIR' "$T/p1.err"
run_cprof "$T/p2" -outdir="$T" "$HTTP_BUSY" 100
expect_status "-outdir without -period" 2
run_cprof "$T/p3" -period=10ms -outdir="$T" "$HTTP_BUSY" 100
expect_status "-period=10ms (below 1s)" 2
run_cprof "$T/p4" -period=1x -outdir="$T" "$HTTP_BUSY" 100
expect_status "-period=1x" 2
run_cprof "$T/p5" -period=1m30s -outdir="$T/nonexistent" "$HTTP_BUSY" 100
expect_status "-outdir that does not exist" 2
finish
