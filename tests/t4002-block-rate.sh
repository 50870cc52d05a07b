#!/usr/bin/env bash
# -blockrate has Go's SetBlockProfileRate meaning. A program sleeps 3000 times for about
# 80 us (block_rate_short) and 20 times for 5 ms (block_rate_long), measuring each sleep.
# At -blockrate=1000000 (1 ms) the long sleeps are all recorded as they are (20 events,
# their measured time within 3%), and the short ones are sampled with probability
# duration/rate and corrected: the estimated count and delay are within 25% of the truth.
# At the default rate (every event of 10 us or more recorded) both are exact. The sleeps
# come after a 1.2 s warm-up, past the point where cprof times calls with the TSC (when
# the kernel's clocksource is the TSC, CPROF_STATS says so).
. tests/lib.sh
need go

for rate in 1000000 default; do
	b=$T/block-$rate.prof
	args=(-block="$b")
	[ $rate = default ] || args+=(-blockrate=$rate)
	CPROF_STATS=1 run_cprof "$T/run-$rate" "${args[@]}" "$PROGS/block_rate" 3000 1200
	expect_status "block_rate at rate $rate" 0
	check "$rate: our decoder reads the profile" pdump_ok "$b"
	check "$rate: go tool pprof reads it without a warning" pprof_ok "$b"
	read -r _ short_ns _ short_n _ long_ns _ long_n <"$T/run-$rate.out"
	[ -n "${long_n:-}" ] || broken "the program printed nothing: $(cat "$T/run-$rate.out")"
	check "$rate: block_rate_long has exactly $long_n events" \
		test "$(sum_tagged "$b" contentions call=nanosleep '^block_rate_long$')" -eq "$long_n"
	got=$(percent "$(sum_tagged "$b" delay call=nanosleep '^block_rate_long$')" "$long_ns")
	check "$rate: block_rate_long has $got% of the measured time (100 +- 3)" within "$got" 100 3
	tol=25
	[ $rate = default ] && tol=3
	got=$(percent "$(sum_tagged "$b" contentions call=nanosleep '^block_rate_short$')" "$short_n")
	check "$rate: block_rate_short's estimated count is $got% of the $short_n sleeps (100 +- $tol)" \
		within "$got" 100 $tol
	got=$(percent "$(sum_tagged "$b" delay call=nanosleep '^block_rate_short$')" "$short_ns")
	check "$rate: block_rate_short's estimated delay is $got% of the measured time (100 +- $tol)" \
		within "$got" 100 $tol
	if [ "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)" = tsc ]; then
		check "$rate: the kernel keeps time with the TSC, so do the wrappers (CPROF_STATS)" \
			grep -q 'stats: block events recorded .* timed with the TSC' "$T/run-$rate.err"
	fi
done
finish
