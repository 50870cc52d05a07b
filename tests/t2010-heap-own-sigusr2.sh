#!/usr/bin/env bash
# The dump signal and a program with its own SIGUSR2: with a handler, every SIGUSR2 runs
# it and writes a snapshot; with SIG_IGN or the default disposition, the program survives
# and each SIGUSR2 writes a snapshot. With -signal=RTMIN+3, SIGUSR2 is the program's alone
# (no snapshot) and RTMIN+3 writes one. Without -heap or -allocs, cprof leaves SIGUSR2
# alone: its default action kills the program as before. A handler installed without
# SA_RESTART still has its blocking read interrupted (EINTR), one with SA_RESTART does
# not, as without cprof. -signal refuses signals that
# cannot be the dump signal, and the library falls back to SIGUSR2 for a bad CPROF_SIGNAL.
. tests/lib.sh
. tests/lib-heap.sh

# start NAME MODE ARGS...: runs heap_ownsig MODE under cprofrun ARGS in the background.
start() {
	local name=$1 mode=$2
	shift 2
	mkdir -p "$T/$name"
	"$CPROFRUN" "$@" "$PROGS/heap_ownsig" "$mode" "$T/$name" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	wait_for "$T/$name/ready" || bad "$name: the program never got ready"
}

# stop NAME: lets the program end, waits, sets $status.
stop() {
	touch "$T/$1/stop"
	wait "$pid"
	status=$?
}

f=$T/h.prof
start handler handler -heap="$f"
for i in 1 2 3; do
	kill -USR2 "$pid"
	check "handler: signal $i ran the program's handler" wait_for "$T/handler/usr2-$i"
	check "handler: signal $i wrote snapshot $i" wait_for "$f.$i"
done
stop handler
expect_status "handler: the program" 0
check "handler: the program counted 3 signals" grep -qx 'usr2 3' "$T/handler.out"
check "handler: exactly 3 snapshots" test ! -e "$f.4"

# in_read NAME: waits until the program (cprofrun's child, or $pid itself when plain)
# blocks in read(2), so that the signal cannot come before the call.
in_read() {
	local p
	for _ in $(seq 500); do
		p=$(pgrep -P "$pid" | head -1)
		[ -z "$p" ] && p=$pid
		case $(cat "/proc/$p/syscall" 2>/dev/null) in
		"0 "*) return 0 ;;
		esac
		sleep 0.01
	done
	return 1
}

for mode in eintr restart; do
	want=$([ $mode = eintr ] && echo 'read EINTR' || echo 'read 1')
	for how in plain cprof; do
		mkdir -p "$T/$mode-$how"
		if [ $how = plain ]; then
			"$PROGS/heap_ownsig" $mode "$T/$mode-$how" >"$T/$mode-$how.out" 2>&1 &
		else
			"$CPROFRUN" -heap="$T/$mode.prof" "$PROGS/heap_ownsig" $mode "$T/$mode-$how" \
				>"$T/$mode-$how.out" 2>"$T/$mode-$how.err" &
		fi
		pid=$!
		check "$mode, $how: the program blocks in read" in_read
		kill -USR2 "$pid"
		check "$mode, $how: the handler ran" wait_for "$T/$mode-$how/usr2-1"
		stop "$mode-$how"
		expect_status "$mode, $how: the program" 0
		check "$mode, $how: '$want', as the handler's flags ask" grep -qx "$want" "$T/$mode-$how.out"
	done
	check "$mode: the snapshot was written" test -e "$T/$mode.prof.1"
done

for mode in ign dfl; do
	g=$T/$mode.prof
	start "$mode" "$mode" -heap="$g"
	for i in 1 2; do
		kill -USR2 "$pid"
		check "$mode: signal $i wrote snapshot $i" wait_for "$g.$i"
	done
	stop "$mode"
	expect_status "$mode: the program survived two SIGUSR2" 0
	check "$mode: the final profile reads" "$PDUMP" -check "$g"
done

r=$T/rt.prof
start rt handler -heap="$r" -signal=RTMIN+3
kill -USR2 "$pid"
check "-signal=RTMIN+3: SIGUSR2 ran the program's handler" wait_for "$T/rt/usr2-1"
kill -USR2 "$pid"
check "-signal=RTMIN+3: the second SIGUSR2 too" wait_for "$T/rt/usr2-2"
kill -s RTMIN+3 "$pid"
check "-signal=RTMIN+3: RTMIN+3 wrote snapshot 1" wait_for "$r.1"
stop rt
expect_status "-signal=RTMIN+3: the program" 0
check "-signal=RTMIN+3: the program counted 2 SIGUSR2" grep -qx 'usr2 2' "$T/rt.out"
check "-signal=RTMIN+3: no snapshot from SIGUSR2" test ! -e "$r.2"

start cpuonly dfl -cpu="$T/cpu.prof"
kill -USR2 "$pid"
wait "$pid"
status=$?
expect_status "without -heap, SIGUSR2 kills the program as it would without cprof" 140

for sig in KILL STOP PROF SEGV CHLD 33 RTMIN+99 NOPE; do
	run_cprof "$T/bad" -heap="$T/x.prof" -signal="$sig" true
	expect_status "-signal=$sig is refused" 2
	check "-signal=$sig: one line saying why" \
		sh -c "test \$(wc -l <'$T/bad.err') -eq 1 && grep -q '^cprofrun: invalid value \"$sig\" for flag -signal: ' '$T/bad.err'"
done
for sig in USR1 SIGUSR1 usr1 10 RTMIN RTMAX-1; do
	run_cprof "$T/good" -heap="$T/x.prof" -signal="$sig" true
	expect_status "-signal=$sig is taken" 0
done
CPROF_LIB=$LIB LD_PRELOAD=$LIB CPROF_HEAP=$T/env.prof CPROF_SIGNAL=KILL "$PROGS/exit_status" 0 \
	>"$T/env.out" 2>"$T/env.err"
check "CPROF_SIGNAL=KILL: the library says so and uses SIGUSR2" \
	grep -qx "cprof: CPROF_SIGNAL='KILL' cannot be the dump signal: it cannot be caught; using SIGUSR2" "$T/env.err"
finish
