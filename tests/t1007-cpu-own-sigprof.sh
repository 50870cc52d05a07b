#!/usr/bin/env bash
# A program with its own SIGPROF profiler (setitimer(ITIMER_PROF) and a handler) keeps
# receiving its signals under cprof, cprof says once that it shares SIGPROF, and the
# CPU profile is still right.
. tests/lib.sh

f=$T/own.prof
run_cprof "$T/run" -cpu="$f" "$PROGS/own_sigprof" 1000
expect_status "own_sigprof" 0
n=$(awk '$1 == "own_signals" { print $2 }' "$T/run.out")
# SIGPROF is not a queued signal: one of the program's that comes while one of cprof's is
# still pending is merged into it. On a quiet machine the program gets 99 or 100 of its
# 100; with two CPU hogs beside it, 53 were seen. Zero would mean no chaining at all.
check "the program's own handler got its SIGPROFs (${n:-0} of about 100, at least 40)" test "${n:-0}" -ge 40
check "cprof told the user once that it shares SIGPROF" \
	test "$(grep -c 'cprof: the program installed its own handler for signal 27' "$T/run.err")" -eq 1
check "our decoder reads the profile" pdump_ok "$f"
all=$(total "$f" cpu)
part=$(sum_where "$f" cpu '^own_sigprof_work$')
check "own_sigprof_work has most of the CPU ($(percent "$part" "$all")%)" \
	within "$(percent "$part" "$all")" 100 10
finish
