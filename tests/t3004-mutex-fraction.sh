#!/usr/bin/env bash
# -mutexfraction=N records one contention in N on average and multiplies its values by N,
# as Go's SetMutexProfileFraction: with four threads taking turns 4000 times on a mutex
# held 100 us at a time, every value in the profile is a multiple of 5 at
# -mutexfraction=5, and the contentions and the delay at the holder's unlock site are
# within 25% of the waits the program counted and measured; CPROF_MUTEXFRACTION does the
# same without the launcher's flag.
. tests/lib.sh
need go

# multiples FILE N: every sample's values are multiples of N.
multiples() {
	awk -v n="$2" '/^sample: / { if ($2 % n || $3 % n) bad = 1; seen = 1 } END { exit bad || !seen }' "$1.dump"
}

for how in flag env; do
	m=$T/mutex-$how.prof
	if [ $how = flag ]; then
		run_cprof "$T/run-$how" -mutex="$m" -mutexfraction=5 "$PROGS/mutex_contend" 4 1000 100
	else
		CPROF_MUTEXFRACTION=5 run_cprof "$T/run-$how" -mutex="$m" "$PROGS/mutex_contend" 4 1000 100
	fi
	expect_status "mutex_contend ($how)" 0
	check "$how: our decoder reads the profile" pdump_ok "$m"
	check "$how: go tool pprof reads it without a warning" pprof_ok "$m"
	check "$how: every value is a multiple of 5" multiples "$m" 5
	read -r _ truth _ waits <"$T/run-$how.out"
	[ -n "${waits:-}" ] || broken "the program printed nothing: $(cat "$T/run-$how.out")"
	got=$(percent "$(sum_where "$m" delay '^mutex_contend_hold$')" "$truth")
	check "$how: mutex_contend_hold has $got% of the measured wait (100 +- 25)" within "$got" 100 25
	got=$(percent "$(sum_where "$m" contentions '^mutex_contend_hold$')" "$waits")
	check "$how: its contentions are $got% of the $waits waits (100 +- 25)" within "$got" 100 25
done
finish
