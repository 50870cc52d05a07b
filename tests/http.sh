# tests/http.sh: helpers for the 7xxx tests of the /debug/pprof/ server, sourced after
# tests/lib.sh. A test starts a program under build/cprofrun in the background with
# -http (port 0, or a Unix socket in $T), learns where it serves from cprofrun's one
# line on stderr, talks to it with curl, build/hreq or go tool pprof, then waits for the
# program and checks its exit status and output.
HREQ=$B/hreq
need_built "$HREQ"
need curl
HTTP_BUSY=$PROGS/http_busy

# http_start NAME cprofrun-args...: starts cprofrun in the background (stdout and stderr
# in $T/NAME.out and .err), waits until it says where it serves; sets ADDR (HOST:PORT or
# unix:PATH), URL (http://HOST:PORT, or http://cprof for a socket), PID (cprofrun's) and
# TARGET (the program's pid).
http_start() {
	local name=$1 i
	shift
	"$CPROFRUN" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	PID=$!
	ADDR=""
	for i in $(seq 200); do
		ADDR=$(sed -n -e 's|^cprofrun: serving http://\(.*\)/debug/pprof/$|\1|p' \
			-e 's|^cprofrun: serving /debug/pprof/ on \(unix:.*\)$|\1|p' "$T/$name.err")
		[ -n "$ADDR" ] && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$ADDR" ] || broken "cprofrun did not say where it serves: $(head -3 "$T/$name.err")"
	case $ADDR in
	unix:*) URL=http://cprof ;;
	*) URL=http://$ADDR ;;
	esac
	TARGET=$(pgrep -P "$PID" | head -1)
}

# http_wait: waits for the cprofrun started last; its exit status goes to $status.
http_wait() {
	wait "$PID"
	status=$?
}

# hget PATH [curl args...]: curl on the server (socket or TCP), the answer's body on stdout.
hget() {
	local path=$1
	shift
	case $ADDR in
	unix:*) curl -s --max-time 60 --unix-socket "${ADDR#unix:}" "$@" "$URL$path" ;;
	*) curl -s --max-time 60 "$@" "$URL$path" ;;
	esac
}

# fetch PATH FILE: GET PATH into FILE and its headers (CR removed, no Date) into FILE.h.
fetch() {
	hget "$1" -D "$2.h.raw" -o "$2"
	tr -d '\r' <"$2.h.raw" | grep -v '^Date: ' >"$2.h"
}

# status_of FILE: the status code of a fetch.
status_of() {
	awk 'NR == 1 { print $2 }' "$1.h"
}

# header_is FILE NAME VALUE: the answer's header NAME is exactly VALUE ("" for none).
header_is() {
	local got
	got=$(awk -v n="$2" 'BEGIN { n = tolower(n) } { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) print substr($0, i + 2) }' "$1.h")
	[ "$got" = "$3" ] || { echo "# $2: '$got', want '$3'"; return 1; }
}

# body_is FILE TEXT: the body is exactly TEXT (printf %b escapes allowed).
body_is() {
	printf '%b' "$2" >"$1.want"
	cmp -s "$1" "$1.want" || { echo "# body: '$(head -c 200 "$1" | cat -A)', want '$(cat -A "$1.want")'"; return 1; }
}

# open_fds PID: how many file descriptors the process has open.
open_fds() {
	ls "/proc/$1/fd" 2>/dev/null | wc -l
}
