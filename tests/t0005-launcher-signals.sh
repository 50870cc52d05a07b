#!/usr/bin/env bash
# Signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to cprofrun with kill
# reach the program once; a terminal's ^C (sent to the whole foreground group) is not
# passed on a second time; cprofrun survives them and exits with the program's status;
# the program stays in cprofrun's process group.
. tests/lib.sh
need gcc

printf 'int cprof_stub;\n' | gcc -shared -fPIC -x c - -o "$T/libstub.so" || broken "cannot build a stub library"
export CPROF_LIB=$T/libstub.so
cat >"$T/sigcount.c" <<'C'
/* sigcount READY SIGNUM: writes its pid to READY, waits for SIGNUM, lets a second copy
 * arrive, prints how many came and exits 10 + that number. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static volatile sig_atomic_t n;
static void on_signal(int sig) { (void)sig; n++; }
int main(int argc, char **argv)
{
	FILE *f;
	if (argc != 3)
		return 99;
	signal(atoi(argv[2]), on_signal);
	f = fopen(argv[1], "w");
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	while (n == 0)
		pause();
	sleep(1);
	printf("count=%d\n", (int)n);
	return 10 + n;
}
C
gcc -O2 -o "$T/sigcount" "$T/sigcount.c" || broken "cannot build sigcount"

# wait_file FILE: waits (10 s at most) until FILE is not empty.
wait_file() {
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# kill_once SIG NUM: cprofrun gets SIG from kill; sigcount must see it once and exit 11.
kill_once() {
	local sig=$1 num=$2 pid
	rm -f "$T/ready"
	"$CPROFRUN" "$T/sigcount" "$T/ready" "$num" >"$T/$sig.out" 2>"$T/$sig.err" &
	pid=$!
	if ! wait_file "$T/ready"; then
		bad "SIG$sig: the program did not start"
		kill -KILL $pid
		return
	fi
	kill -s "$sig" $pid
	wait $pid
	status=$?
	expect_status "SIG$sig sent to cprofrun reaches the program once" 11
	check "SIG$sig: the program counted one" grep -qx 'count=1' "$T/$sig.out"
	check "SIG$sig: cprofrun said nothing" test ! -s "$T/$sig.err"
}

# A script's background job ignores SIGINT and SIGQUIT unless job control is on.
set -m
kill_once INT 2
kill_once QUIT 3
kill_once TERM 15
kill_once HUP 1
kill_once USR1 10
kill_once USR2 12
set +m

rm -f "$T/ready"
"$CPROFRUN" sh -c 'trap "" TERM; echo $$ >"$0/ready"; while [ ! -e "$0/go" ]; do sleep 0.05; done; exit 9' \
	"$T" >"$T/ign.out" 2>"$T/ign.err" &
pid=$!
if wait_file "$T/ready"; then
	child=$(cat "$T/ready")
	check "the program is in cprofrun's process group" \
		test "$(cut -d' ' -f5 /proc/$pid/stat)" = "$(cut -d' ' -f5 /proc/$child/stat)"
	kill -TERM $pid
	sleep 0.2
	check "cprofrun survives a SIGTERM the program ignores" kill -0 $pid
	touch "$T/go"
	wait $pid
	status=$?
	expect_status "then exits with the program's status" 9
	check "and says nothing" test ! -s "$T/ign.err"
else
	bad "the TERM-ignoring program did not start"
	kill -KILL $pid
fi

"$CPROFRUN" sh -c 'trap "echo got-USR1" USR1; kill -USR1 $PPID; sleep 0.3; exit 5' >"$T/back.out" 2>"$T/back.err"
status=$?
expect_status "a signal from the program to cprofrun" 5
check "is not sent back to the program" test ! -s "$T/back.out"

if command -v python3 >/dev/null; then
	rm -f "$T/ready"
	cat >"$T/ttyrun.py" <<'PY'
# Runs argv[1:] on a new pseudo-terminal, types ^C once the READY file exists, prints
# the output and the exit status.
import os, pty, sys, time
ready = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
t0 = time.time()
while not (os.path.exists(ready) and os.path.getsize(ready) > 0):
    if time.time() - t0 > 10:
        os.kill(pid, 9)
        break
    time.sleep(0.05)
time.sleep(0.2)
os.write(fd, b"\x03")
out = b""
while True:
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    out += d
_, st = os.waitpid(pid, 0)
print(out.decode(errors="replace").replace("\r", ""))
print("status=%d" % os.waitstatus_to_exitcode(st))
PY
	python3 "$T/ttyrun.py" "$T/ready" "$CPROFRUN" "$T/sigcount" "$T/ready" 2 >"$T/tty.out" 2>&1
	check "a terminal's ^C reaches the program once" grep -qE '^(\^C)?count=1$' "$T/tty.out"
	check "a terminal's ^C: cprofrun exits with the program's status" grep -qx 'status=11' "$T/tty.out"
	check "a terminal's ^C: cprofrun says nothing" test "$(grep -c cprofrun "$T/tty.out")" -eq 0
else
	echo "[Skipped: python3 is needed for the terminal test]"
fi
finish
