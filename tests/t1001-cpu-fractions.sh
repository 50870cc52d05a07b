#!/usr/bin/env bash
# A program spends 50%, 30% and 20% of its CPU time in three functions (it measures the
# truth itself); at -hz=100 and -hz=1000 each function's share of the profile is within
# 5 points of it, the profile has Go's CPU sample and period types, its start time and
# duration, carries no cprof frame, and go tool pprof reads it without a warning. The
# period is the interval the kernel actually delivered: at -hz=1000 on a kernel whose
# tick is slower, the period says so and a comment names both rates.
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
	t=$(awk '/^time_nanos:/ { print $2 }' "$f.dump")
	now=$(date +%s%N)
	check "hz=$hz: time_nanos is when sampling started (within the last minute)" \
		bash -c "[ '${t:-0}' -le $now ] && [ '${t:-0}' -ge $((now - 60000000000)) ]"
	period=$(awk '/^period:/ { print $2 }' "$f.dump")
	samples=$(total "$f" samples)
	cpu=$(total "$f" cpu)
	check "hz=$hz: the period (${period} ns) is the mean interval of the samples (cpu/samples: $((cpu / samples)) ns, within 10%)" \
		within "$period" "$((cpu / samples))" "$((period / 10))"
	if [ "$period" -gt $((1000000000 / hz * 11 / 10)) ]; then
		check "hz=$hz: slower than asked: a comment says so" \
			grep -Eq "^comment: cprof: $hz Hz requested, [0-9]+ samples/s delivered" "$f.dump"
	else
		check "hz=$hz: delivered as asked: no rate comment" bash -c "! grep -q 'Hz requested' '$f.dump'"
	fi
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
