#!/usr/bin/env bash
# Four equally busy threads (named worker-0..3 with pthread_setname_np): each has 25% of
# the profile within 5 points, samples carry thread and tid labels, -tagfocus=thread=...
# selects one thread in go tool pprof, and the total CPU time in the profile is within 5%
# of what getrusage says the process used, at -hz=100 and at -hz=1000 (where the
# kernel fires CPU timers only at its own tick).
. tests/lib.sh
need go

for hz in 100 1000; do
	f=$T/threads-$hz.prof
	run_cprof "$T/run-$hz" -cpu="$f" -hz=$hz "$PROGS/cpu_threads" 1000
	expect_status "cpu_threads at -hz=$hz" 0
	check "hz=$hz: our decoder reads the profile" pdump_ok "$f"
	check "hz=$hz: go tool pprof reads it without a warning" pprof_ok "$f"
	all=$(total "$f" cpu)
	for i in 0 1 2 3; do
		part=$(awk -v i="$(value_index "$f" cpu)" -v name="thread=worker-$i" -F' [|] ' \
			'/^sample: / && (" " $2 " ") ~ (" " name " ") { split(substr($1, 9), v, " "); s += v[i + 1] } END { printf "%.0f\n", s }' "$f.dump")
		got=$(percent "$part" "$all")
		check "hz=$hz: worker-$i has $got% of the CPU (25 +- 5)" within "$got" 25 5
	done
	check "hz=$hz: every sample has a tid label" \
		awk -F' [|] ' '/^sample: / && $2 !~ / tid=[0-9]+/ { bad = 1 } END { exit bad }' "$f.dump"
	go tool pprof -top -tagfocus=thread=worker-2 "$f" >"$f.focus" 2>"$f.focus.err"
	share=$(sed -n 's/^Showing nodes accounting for [^,]*, \([0-9.]*\)% of .*/\1/p' "$f.focus")
	check "hz=$hz: -tagfocus=thread=worker-2 keeps ${share:-no}% of the samples (25 +- 5)" \
		within "${share:-0}" 25 5
	check "hz=$hz: threads_worker is in the focused profile" grep -q ' threads_worker$' "$f.focus"
	truth=$(awk '$1 == "cpu_ns" { print $2 }' "$T/run-$hz.out")
	got=$(percent "$all" "$truth")
	check "hz=$hz: profile CPU time is $got% of what getrusage counted (100 +- 5)" \
		within "$got" 100 5
done
finish
