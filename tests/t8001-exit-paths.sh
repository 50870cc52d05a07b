#!/usr/bin/env bash
# The profile is written however the program ends: return from main, exit() from another
# thread, _exit(); the exit status comes back unchanged. A program killed by a signal is
# reported the way a shell does (128+N), and no profile is claimed. A program whose 10 kHz
# interval timer keeps interrupting the exiting thread still gets every profile written
# (the time allowed for writing is a deadline, not a count of waits).
. tests/lib.sh

for how in "7" "exit 5" "_exit 9"; do
	set -- $how
	want=${2:-$1}
	f=$T/exit-$1.prof
	run_cprof "$T/run-$1" -cpu="$f" "$PROGS/exit_status" "$@"
	expect_status "exit_status $how" "$want"
	check "exit_status $how: the profile was written and read" pdump_ok "$f"
	check "exit_status $how: exiting_work is in it" grep -q 'exiting_work' "$f.dump"
done

d=$T/ticking
run_cprof "$d" -cpu="$d.cpu" -heap="$d.heap" -allocs="$d.allocs" -threads="$d.threads" \
	-threadcreate="$d.tc" "$PROGS/exit_status" ticking 4
expect_status "_exit with a 10 kHz SIGALRM timer running" 4
for p in cpu heap allocs threads tc; do
	check "ticking: the $p profile was written and read" pdump_ok "$d.$p"
done
check "ticking: nothing said the profiles were not finished" \
	sh -c "! grep -q 'not finished in time' '$d.err'"

f=$T/killed.prof
run_cprof "$T/killed" -cpu="$f" "$PROGS/exit_status" signal 15
expect_status "killed by SIGTERM" 143
check "cprofrun says the program was killed by signal 15" grep -q 'killed by signal 15' "$T/killed.err"
finish
