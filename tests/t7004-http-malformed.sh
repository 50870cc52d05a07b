#!/usr/bin/env bash
# Malformed, partial, oversized and slow requests, sent with build/hreq while the
# program runs: each gets Go's answer for it (400, 431, 505, 501, 413) or, for a request
# that never completes, a closed connection without an answer (after 10 s for one left
# hanging or trickling in a byte at a time); a flood of connections gets 503 beyond 16
# and the server answers normally again afterwards; every input of the parser's fuzz
# corpus goes through the live server. Afterwards the program has as many file
# descriptors open as before, and its output and exit status are its own.
. tests/lib.sh
. tests/http.sh

http_start run -http=127.0.0.1:0 "$HTTP_BUSY" 120000 7 "$T/stop"
[ -n "$TARGET" ] || broken "no program pid"
sleep 0.3
fds=$(open_fds "$TARGET")

# send NAME [hreq options]: stdin to the server; the answer in $T/NAME, hreq's word in .err.
send() {
	local name=$1
	shift
	"$HREQ" "$@" "$ADDR" >"$T/$name" 2>"$T/$name.err"
	echo $? >"$T/$name.rc"
}
# first_line NAME: the answer's status line, without CR.
first_line() { head -1 "$T/$1" | tr -d '\r'; }

printf '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n' | send garbage -s
check "binary garbage: 400 Bad Request" test "$(first_line garbage)" = "HTTP/1.1 400 Bad Request"
check "binary garbage: Go's raw answer" cmp -s "$T/garbage" <(printf 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request')
{ printf 'GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 20000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } | send huge
check "a 20 KiB header: 431" test "$(first_line huge)" = "HTTP/1.1 431 Request Header Fields Too Large"
head -c 3000000 /dev/zero | tr '\0' 'a' | send endless
check "a head that never ends: 431" test "$(first_line endless)" = "HTTP/1.1 431 Request Header Fields Too Large"
printf 'GET /debug/pprof/ HTTP/1.1\r\n\r\n' | send nohost
check "HTTP/1.1 without Host: Go's 400" test "$(first_line nohost)" = "HTTP/1.1 400 Bad Request: missing required Host header"
printf 'GET /debug/pprof/ HTTP/2.0\r\nHost: x\r\n\r\n' | send v2
check "HTTP/2.0: 505" test "$(first_line v2)" = "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version"
printf 'POST /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n' | send te
check "Transfer-Encoding gzip: 501" test "$(first_line te)" = "HTTP/1.1 501 Not Implemented"
printf 'POST /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n' | send big
check "a body over 2 MiB: 413" test "$(first_line big)" = "HTTP/1.1 413 Request Entity Too Large"
printf 'POST /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' | send badchunk
check "a malformed chunk: 400" test "$(first_line badchunk)" = "HTTP/1.1 400 Bad Request"
printf 'GET /debug/%%zz HTTP/1.1\r\nHost: x\r\n\r\n' | send escape
check "a bad escape in the path: 400" test "$(first_line escape)" = "HTTP/1.1 400 Bad Request"
printf 'POST /debug/pprof/symbol HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n4\r\n0x10\r\n0\r\n\r\n' | send chunked
check "a chunked POST with Expect: answered" grep -q '^num_symbols: 1' "$T/chunked"
printf 'GET /debug/pprof/cmd' | send partial -s
check "a partial request line, then end of file: closed without an answer" \
	bash -c "[ \$(cat '$T/partial.rc') = 0 ] && [ ! -s '$T/partial' ]"
printf 'GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\nUser-Ag' | send hanging -t 25000
check "a partial head left hanging: closed without an answer ($(cat "$T/hanging.err"))" \
	bash -c "[ \$(cat '$T/hanging.rc') = 0 ] && [ ! -s '$T/hanging' ]"

# Slowloris: one byte every 200 ms would take 20 s; the server gives up at 10 s.
printf 'GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\nUser-Agent: slow-slow-slow-slow-slow-slow-slow-slow-slow-slow\r\n\r\n' |
	send slow -d 200 -t 25000 &
slow_job=$!
# A flood: 40 connections that send nothing, while the slow one trickles.
flood=()
for i in $(seq 40); do
	: | "$HREQ" -t 25000 "$ADDR" >"$T/flood$i" 2>/dev/null &
	flood+=($!)
done
sleep 1
busy=$(cat "$T"/flood* | grep -c '^503 Service Unavailable: too many connections' || true)
check "beyond 16 connections: 503 ($busy of 40 flood connections)" test "$busy" -ge 20
wait "$slow_job" "${flood[@]}"
check "slowloris: cut off without an answer ($(cat "$T/slow.err"))" \
	bash -c "[ \$(cat '$T/slow.rc') = 0 ] && [ ! -s '$T/slow' ]"
hget /debug/pprof/cmdline -o "$T/after" -w '%{http_code}' >"$T/after.code"
check "after the flood and the slow clients the server answers" test "$(cat "$T/after.code")" = 200

# The fuzz corpus, each input without its first byte (the fuzzer's cut point), ended.
n=0
for f in tests/fuzz/corpus/httpreq/*; do
	tail -c +2 "$f" | "$HREQ" -s -t 15000 "$ADDR" >/dev/null 2>&1
	n=$((n + 1))
done
hget /debug/pprof/cmdline -o "$T/after2" -w '%{http_code}' >"$T/after2.code"
check "$n corpus inputs sent; the server still answers" test "$(cat "$T/after2.code")" = 200
sleep 0.3
check "the program has as many descriptors open as before ($(open_fds "$TARGET") vs $fds)" \
	test "$(open_fds "$TARGET")" -eq "$fds"

touch "$T/stop"
http_wait
expect_status "http_busy" 7
check "its output is its own" test "$(cat "$T/run.out")" = "$(printf 'checksum ce8eefe99cd3cc41\ndone')"
check "its stderr is its own" test "$(cat "$T/run.err" | grep -v '^cprofrun: serving')" = "http_busy: worked"
finish
