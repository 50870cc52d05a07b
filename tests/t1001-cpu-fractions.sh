#!/usr/bin/env bash
# A program spends 50%, 30% and 20% of its CPU time in three functions (it measures the
# truth itself); at -hz=100 and -hz=1000 each function's share of the profile is within
# 5 points of it, the profile has Go's CPU sample and period types, carries no cprof
# frame, and go tool pprof reads it without a warning.
. tests/lib.sh
need go

for hz in 100 1000; do
	f=$T/cpu-$hz.prof
	run_cprof "$T/run-$hz" -cpu="$f" -hz=$hz "$PROGS/cpu_fractions" 3000
	expect_status "cpu_fractions at -hz=$hz" 0
	check "hz=$hz: our decoder reads the profile" pdump_ok "$f"
	check "hz=$hz: go tool pprof reads it without a warning" pprof_ok "$f"
	check "hz=$hz: sample types samples/count and cpu/nanoseconds" \
		grep -qx 'sample_types: samples/count cpu/nanoseconds\[dflt\]' "$f.dump"
	check "hz=$hz: period type cpu/nanoseconds" grep -qx 'period_type: cpu/nanoseconds' "$f.dump"
	check "hz=$hz: duration is set" grep -Eq '^duration_nanos: [1-9]' "$f.dump"
	all=$(total "$f" cpu)
	for fn in fractions_fifty fractions_thirty fractions_twenty; do
		want=$(awk -v f=$fn '$1 == "fraction" && $2 == f { print $3 }' "$T/run-$hz.out")
		got=$(percent "$(sum_where "$f" cpu "^$fn\$")" "$all")
		check "hz=$hz: $fn has $got% of the CPU, measured $want% (within 5 points)" \
			within "$got" "$want" 5
		check "hz=$hz: go tool pprof -top lists $fn" grep -q " $fn\$" "$f.top"
	done
	check "hz=$hz: no frame of cprof's own" no_cprof_frames "$f"
done
finish
