#!/usr/bin/env bash
# Go's net/http/pprof contract, with curl over a Unix socket, against the texts of Go
# 1.19 (shared/reference/pprof-format.md section 5, and a Go server asked the same): the
# index page byte for byte, ServeMux's 301 and 404, cmdline, symbol (GET and POST),
# trace, the CPU profile (one at a time), a named profile with debug=0, 1, -1, POST form
# values and HEAD, the delta profile and its errors, the WriteTimeout answers, headers
# (Content-Type, Content-Disposition, X-Content-Type-Options, X-Go-Pprof) on each. The
# program's output and exit status stay its own. A test-only named source stands in for
# the collectors (CPROF_TEST_SOURCE=1, a count profile of the CPU samples).
. tests/lib.sh
. tests/http.sh
need go

sock=$T/pprof.sock
CPROF_TEST_SOURCE=1 http_start run -cpu="$T/cpu.prof" -http="unix:$sock" "$HTTP_BUSY" 60000 3 "$T/stop"
check "the socket is only the user's (0600)" test "$(stat -c %a "$sock")" = 600
TEXT="text/plain; charset=utf-8"

# The index: Go's template, rows sorted by name, Go's descriptions; counts are whatever
# the page says (they change as the program runs), everything else must match byte for byte.
fetch /debug/pprof/ "$T/index"
count_of() { sed -n "s|^<tr><td>\([0-9]*\)</td><td><a href='$1?debug=1'>$1</a></td></tr>$|\1|p" "$T/index"; }
# Every profile registered in this build, sorted, with Go's description (or cprof's).
sources=(
	"allocs|A sampling of all past memory allocations"
	"block|Stack traces that led to blocking on synchronization primitives"
	"cmdline|The command line invocation of the current program"
	"cprof_test|cprof&#39;s test source: CPU samples as a count profile"
	"goroutine|Stack traces of all current goroutines"
	"heap|A sampling of memory allocations of live objects. You can specify the gc GET parameter to run GC before taking the heap sample."
	"mutex|Stack traces of holders of contended mutexes"
	"profile|CPU profile. You can specify the duration in the seconds GET parameter. After you get the profile file, use the go tool pprof command to investigate the profile."
	"threadcreate|Stack traces that led to the creation of new OS threads"
	"trace|A trace of execution of the current program. You can specify the duration in the seconds GET parameter. After you get the trace file, use the go tool trace command to investigate the trace."
)
n=$(count_of cprof_test)
{
	printf '<html>\n<head>\n<title>/debug/pprof/</title>\n<style>\n.profile-name{\n\tdisplay:inline-block;\n\twidth:6rem;\n}\n</style>\n</head>\n<body>\n/debug/pprof/<br>\n<br>\nTypes of profiles available:\n<table>\n<thead><td>Count</td><td>Profile</td></thead>\n'
	for e in "${sources[@]}"; do
		name=${e%%|*}
		printf "<tr><td>%s</td><td><a href='%s?debug=1'>%s</a></td></tr>\n" "$(count_of "$name")" "$name" "$name"
	done
	printf '</table>\n<a href="goroutine?debug=2">full goroutine stack dump</a>\n<br>\n<p>\nProfile Descriptions:\n<ul>\n'
	for e in "${sources[@]}"; do
		printf '<li><div class=profile-name>%s: </div> %s</li>\n' "${e%%|*}" "${e#*|}"
	done
	printf '</ul>\n</p>\n</body>\n</html>'
} >"$T/index.want"
check "index: 200, Go's page byte for byte (cprof_test count $n)" cmp "$T/index" "$T/index.want"
check "index: text/html" header_is "$T/index" Content-Type "text/html; charset=utf-8"
check "index: nosniff" header_is "$T/index" X-Content-Type-Options nosniff

# ServeMux: redirects and 404s.
fetch /debug/pprof "$T/r1"
check "/debug/pprof: 301 to /debug/pprof/" header_is "$T/r1" Location /debug/pprof/
check "/debug/pprof: Go's HTML body" body_is "$T/r1" '<a href="/debug/pprof/">Moved Permanently</a>.\n\n'
check "/debug/pprof: status 301" test "$(status_of "$T/r1")" = 301
fetch "/debug/pprof?x=1" "$T/r2"
check "/debug/pprof?x=1: the query is kept" header_is "$T/r2" Location "/debug/pprof/?x=1"
hget //debug/./pprof//cmdline --path-as-is -D "$T/r3.h.raw" -o "$T/r3"
tr -d '\r' <"$T/r3.h.raw" >"$T/r3.h"
check "an unclean path: 301 to its clean form" header_is "$T/r3" Location /debug/pprof/cmdline
fetch /nothing "$T/nf"
check "/nothing: 404" test "$(status_of "$T/nf")" = 404
check "/nothing: Go's text" body_is "$T/nf" '404 page not found\n'
check "/nothing: no X-Go-Pprof" header_is "$T/nf" X-Go-Pprof ""
fetch /debug/pprof/nosuch "$T/up"
check "unknown profile: 404" test "$(status_of "$T/up")" = 404
check "unknown profile: Go's text" body_is "$T/up" 'Unknown profile\n'
check "unknown profile: X-Go-Pprof" header_is "$T/up" X-Go-Pprof 1
check "unknown profile: text" header_is "$T/up" Content-Type "$TEXT"
fetch /debug/pprof/cprof_test/ "$T/slash"
check "a profile name with a slash is unknown, as in Go" body_is "$T/slash" 'Unknown profile\n'

# cmdline: argv joined by NUL bytes.
fetch /debug/pprof/cmdline "$T/cmd"
check "cmdline: argv with NUL separators, none after the last" \
	body_is "$T/cmd" "$HTTP_BUSY\\000060000\\00003\\0000$T/stop"
check "cmdline: text" header_is "$T/cmd" Content-Type "$TEXT"
check "cmdline: nosniff" header_is "$T/cmd" X-Content-Type-Options nosniff

# symbol: addresses of the program's own functions, from a profile.
fetch /debug/pprof/cprof_test "$T/named"
check "named profile: 200" test "$(status_of "$T/named")" = 200
check "named profile: octet-stream" header_is "$T/named" Content-Type application/octet-stream
check "named profile: Go's Content-Disposition" header_is "$T/named" Content-Disposition 'attachment; filename="cprof_test"'
check "named profile: nosniff" header_is "$T/named" X-Content-Type-Options nosniff
check "named profile: go tool pprof reads it" pprof_ok "$T/named"
check "named profile: our decoder reads it" pdump_ok "$T/named"
check "named profile: sample type cprof_test/count" grep -q '^sample_types: cprof_test/count' "$T/named.dump"
work=$(awk '/^location: / && $NF ~ /http_busy.c/ && $0 ~ / http_busy_work / { print $3; exit }' "$T/named.dump")
mainpc=$(awk '/^location: / && $0 ~ /\| main / { print $3; exit }' "$T/named.dump")
[ -n "$work" ] && [ -n "$mainpc" ] || broken "no http_busy_work or main location in the profile"
fetch /debug/pprof/symbol "$T/sym0"
check "symbol without a query: the count line only" body_is "$T/sym0" 'num_symbols: 1\n'
upper=0X$(echo "${mainpc#0x}" | tr a-f A-F)
fetch "/debug/pprof/symbol?$work+$upper+junk+0+0x1" "$T/sym1"
check "symbol GET: known addresses named, the rest left out, hex in lower case" \
	body_is "$T/sym1" "num_symbols: 1\n$work http_busy_work\n$mainpc main\n"
check "symbol: text" header_is "$T/sym1" Content-Type "$TEXT"
hget /debug/pprof/symbol -H 'Content-Type: application/octet-stream' --data-binary "$work+$upper" -o "$T/sym2"
check "symbol POST (as go tool pprof sends it)" body_is "$T/sym2" "num_symbols: 1\n$work http_busy_work\n$mainpc main\n"

# trace: Go's answer when tracing cannot start.
fetch "/debug/pprof/trace?seconds=0.5" "$T/trace"
check "trace: 500" test "$(status_of "$T/trace")" = 500
check "trace: Go's text for a trace that cannot start" grep -q '^Could not enable tracing: ' "$T/trace"
check "trace: X-Go-Pprof, no Content-Disposition" bash -c "grep -q '^X-Go-Pprof: 1' '$T/trace.h' && ! grep -qi '^Content-Disposition' '$T/trace.h'"
fetch "/debug/pprof/trace?seconds=86400" "$T/trace2"
check "trace: seconds >= WriteTimeout: 400" body_is "$T/trace2" "profile duration exceeds server's WriteTimeout\n"

# The CPU profile: one at a time.
hget "/debug/pprof/profile?seconds=2" -D "$T/cpu1.h.raw" -o "$T/cpu1" &
first=$!
sleep 0.5
fetch "/debug/pprof/profile?seconds=1" "$T/cpu2"
check "a second CPU profile: 500" test "$(status_of "$T/cpu2")" = 500
check "a second CPU profile: Go's text" body_is "$T/cpu2" 'Could not enable CPU profiling: cpu profiling already in use\n'
check "a second CPU profile: X-Go-Pprof" header_is "$T/cpu2" X-Go-Pprof 1
check "a second CPU profile: no Content-Disposition" header_is "$T/cpu2" Content-Disposition ""
wait $first
tr -d '\r' <"$T/cpu1.h.raw" | grep -v '^Date: ' >"$T/cpu1.h"
check "the first CPU profile: 200" test "$(status_of "$T/cpu1")" = 200
check "the first CPU profile: Go's Content-Disposition" header_is "$T/cpu1" Content-Disposition 'attachment; filename="profile"'
check "the first CPU profile: go tool pprof reads it" pprof_ok "$T/cpu1"
check "the first CPU profile: our decoder reads it" pdump_ok "$T/cpu1"
check "the first CPU profile: Go's CPU sample types" grep -q '^sample_types: samples/count cpu/nanoseconds' "$T/cpu1.dump"
fetch "/debug/pprof/profile?seconds=86400" "$T/cpu3"
check "CPU profile: seconds >= WriteTimeout: 400" body_is "$T/cpu3" "profile duration exceeds server's WriteTimeout\n"

# Text forms.
fetch "/debug/pprof/cprof_test?debug=1" "$T/text.txt"
check "debug=1: text" header_is "$T/text.txt" Content-Type "$TEXT"
check "debug=1: no Content-Disposition" header_is "$T/text.txt" Content-Disposition ""
check "debug=1: Go's count header" grep -q '^cprof_test profile: total [0-9]*$' "$T/text.txt"
check "debug=1: records with return addresses" grep -q '^[0-9]* @ 0x[0-9a-f]*\( 0x[0-9a-f]*\)*$' "$T/text.txt"
check "debug=1: go tool pprof parses the text" bash -c "go tool pprof -raw -symbolize=none '$T/text.txt' >'$T/text.raw' 2>&1"
check "debug=1: as a count profile" grep -q '^cprof_test/count' "$T/text.raw"
hget /debug/pprof/cprof_test -d debug=1 -D "$T/post.h.raw" -o "$T/post"
check "a POST form value counts as in Go (FormValue)" grep -q '^cprof_test profile: total' "$T/post"
hget "/debug/pprof/cprof_test?debug=1" -I -o "$T/head.h.raw"
tr -d '\r' <"$T/head.h.raw" >"$T/head.h"
check "HEAD: headers with the length, no body" bash -c "grep -q '^Content-Length: [1-9]' '$T/head.h' && grep -q '^HTTP/1.1 200' '$T/head.h'"
fetch "/debug/pprof/cprof_test?debug=-1" "$T/neg"
check "debug=-1: Go's quirk, gzip under the text type" bash -c "[ \"\$(head -c 2 '$T/neg' | od -An -tx1 | tr -d ' ')\" = 1f8b ] && grep -q '^Content-Type: $TEXT' '$T/neg.h'"
fetch "/debug/pprof/cprof_test?gc=1" "$T/gc"
check "gc=1 is accepted" test "$(status_of "$T/gc")" = 200

# Delta profiles and their errors, in Go's order of checks.
fetch "/debug/pprof/cprof_test?seconds=x" "$T/d1"
check "delta: seconds=x: 400, Go's text" body_is "$T/d1" 'invalid value for "seconds" - must be a positive integer\n'
fetch "/debug/pprof/cprof_test?seconds=0&debug=1" "$T/d2"
check "delta: seconds=0: 400" body_is "$T/d2" 'invalid value for "seconds" - must be a positive integer\n'
fetch "/debug/pprof/cprof_test?seconds=86400&debug=1" "$T/d3"
check "delta: WriteTimeout checked before debug" body_is "$T/d3" "profile duration exceeds server's WriteTimeout\n"
fetch "/debug/pprof/cprof_test?seconds=1&debug=1" "$T/d4"
check "delta: with debug: 400" body_is "$T/d4" 'seconds and debug params are incompatible\n'
check "delta errors: X-Go-Pprof" header_is "$T/d4" X-Go-Pprof 1
fetch "/debug/pprof/cprof_test?seconds=1" "$T/delta"
check "delta: 200" test "$(status_of "$T/delta")" = 200
check "delta: Go's Content-Disposition" header_is "$T/delta" Content-Disposition 'attachment; filename="cprof_test-delta"'
check "delta: go tool pprof reads it" pprof_ok "$T/delta"
check "delta: our decoder reads it" pdump_ok "$T/delta"
dur=$(awk '/^duration_nanos:/ { print $2 }' "$T/delta.dump")
check "delta: duration is the window (${dur:-none} ns >= 1 s)" test "${dur:-0}" -ge 1000000000
fetch /debug/pprof/cprof_test "$T/after"
pdump_ok "$T/after" >/dev/null
check "delta: fewer samples than the cumulative profile ($(total "$T/delta" cprof_test) < $(total "$T/after" cprof_test))" \
	test "$(total "$T/delta" cprof_test)" -lt "$(total "$T/after" cprof_test)"
check "delta: but some" test "$(total "$T/delta" cprof_test)" -gt 0

# threads is goroutine's other name (404 while no goroutine profile is registered).
fetch /debug/pprof/threads "$T/threads"
if grep -q ">goroutine<" "$T/index"; then
	check "threads serves the goroutine profile" header_is "$T/threads" Content-Disposition 'attachment; filename="threads"'
else
	check "threads: unknown while no goroutine profile exists" body_is "$T/threads" 'Unknown profile\n'
fi

# HTTP/1.0, and any method, as Go 1.19.
printf 'GET /debug/pprof/cmdline HTTP/1.0\r\n\r\n' | "$HREQ" "$ADDR" >"$T/h10" 2>/dev/null
check "HTTP/1.0: answered in HTTP/1.0" grep -q $'^HTTP/1.0 200 OK\r$' "$T/h10"
printf 'PUT /debug/pprof/cmdline HTTP/1.1\r\nHost: x\r\n\r\n' | "$HREQ" "$ADDR" >"$T/put" 2>/dev/null
check "any method is served, as Go 1.19" grep -q $'^HTTP/1.1 200 OK\r$' "$T/put"

touch "$T/stop"
http_wait
expect_status "the program under the server" 3
check "its output is its own" test "$(cat "$T/run.out")" = "$(printf 'checksum ce8eefe99cd3cc41\ndone')"
check "its stderr holds no cprof: line" bash -c "! grep -q '^cprof:' '$T/run.err'"
check "the socket is removed at exit" test ! -e "$sock"
check "the whole-run CPU profile is still written" pdump_ok "$T/cpu.prof"
finish
