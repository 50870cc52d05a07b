#!/usr/bin/env bash
# CPU time on coroutine stacks (makecontext/swapcontext), each stack mmap'd while the
# program runs: the samples taken there carry the coroutine's callers (co_burn called
# from co_body) once the profiler has seen the new stack, which it looks for as soon as
# an unwind meets it; the main thread's samples are whole throughout. The same with an
# unlimited stack rlimit, where glibc reports the main thread's stack as reaching down
# to the next mapping (below every later mmap).
. tests/lib.sh
need go

for limit in default unlimited; do
	f=$T/co-$limit.prof
	if [ $limit = unlimited ]; then
		sh -c 'ulimit -s unlimited && exec "$0" "$@"' "$CPROFRUN" -cpu="$f" -hz=1000 \
			"$PROGS/cpu_coroutine" 3 >"$T/run-$limit.out" 2>"$T/run-$limit.err"
		status=$?
	else
		run_cprof "$T/run-$limit" -cpu="$f" -hz=1000 "$PROGS/cpu_coroutine" 3
	fi
	expect_status "cpu_coroutine, $limit stack limit" 0
	check "$limit: the program's output is its own" grep -qx done "$T/run-$limit.out"
	check "$limit: our decoder reads the profile" pdump_ok "$f"
	check "$limit: go tool pprof reads it without a warning" pprof_ok "$f"
	co=$(sum_where "$f" cpu '^co_burn$')
	whole=$(sum_where "$f" cpu '^co_burn$' '^co_body$')
	share=$(percent "$whole" "$co")
	check "$limit: co_burn has CPU time (${co} ns)" test "${co:-0}" -gt 0
	check "$limit: $share% of co_burn's time has co_body as its caller (at least 60%)" \
		awk -v s="$share" 'BEGIN { exit !(s >= 60) }'
	m=$(sum_where "$f" cpu '^main_burn$')
	mw=$(sum_where "$f" cpu '^main_burn$' '^main$')
	mshare=$(percent "$mw" "$m")
	check "$limit: $mshare% of main_burn's time has main as its caller (at least 95%)" \
		awk -v s="$mshare" 'BEGIN { exit !(s >= 95) }'
	check "$limit: no frame of cprof's own" no_cprof_frames "$f"
done
finish
