#!/usr/bin/env bash
# Four threads contend on one mutex 100 times, each holding it for 1 ms in
# mutex_contend_hold and timing its own waits. The mutex profile charges the holder's unlock site
# (mutex_contend_hold) with a delay within 15% of the waits the program measured, the
# block profile charges the waiting site (mutex_contend_lock, call=pthread_mutex_lock)
# likewise; a million uncontended lock/unlock pairs (mutex_uncontended) leave no sample in
# either; both profiles have Go's sample types and no frame of cprof's own.
. tests/lib.sh
need go

# no_frame FILE NAME: no sample of FILE has a frame named NAME.
no_frame() {
	! frames_of "$1" | tr ';' '\n' | grep -qx "$2"
}

m=$T/mutex.prof
b=$T/block.prof
run_cprof "$T/run" -mutex="$m" -block="$b" "$PROGS/mutex_contend" 4 100 1000
expect_status "mutex_contend" 0
for f in "$m" "$b"; do
	check "$(basename "$f"): our decoder reads it" pdump_ok "$f"
	check "$(basename "$f"): go tool pprof reads it without a warning" pprof_ok "$f"
	check "$(basename "$f"): sample types contentions/count, delay/nanoseconds (default)" \
		grep -qx 'sample_types: contentions/count delay/nanoseconds\[dflt\]' "$f.dump"
	check "$(basename "$f"): period type contentions/count, period 1" \
		sh -c "grep -qx 'period_type: contentions/count' '$f.dump' && grep -qx 'period: 1' '$f.dump'"
	check "$(basename "$f"): no frame of cprof's own" no_cprof_frames "$f"
	check "$(basename "$f"): mutex_uncontended has no sample" no_frame "$f" mutex_uncontended
done
read -r _ truth _ waits <"$T/run.out"
[ -n "${waits:-}" ] && [ "$truth" -gt 0 ] || broken "the program printed no wait: $(cat "$T/run.out")"

held=$(sum_where "$m" delay '^mutex_contend_hold$')
got=$(percent "$held" "$truth")
check "mutex: mutex_contend_hold (the unlock site) has $got% of the measured wait (100 +- 15)" \
	within "$got" 100 15
check "mutex: everything is charged there" test "$held" -eq "$(total "$m" delay)"
got=$(percent "$(sum_where "$m" contentions '^mutex_contend_hold$')" "$waits")
check "mutex: its contentions are $got% of the $waits waits the program counted (100 +- 10)" \
	within "$got" 100 10
check "mutex: no delay at the waiting site" test "$(sum_where "$m" delay '^mutex_contend_lock$')" -eq 0
check "go tool pprof -top shows mutex_contend_hold" grep -q ' mutex_contend_hold$' "$m.top"

waited=$(sum_tagged "$b" delay call=pthread_mutex_lock '^mutex_contend_lock$')
got=$(percent "$waited" "$truth")
check "block: mutex_contend_lock (call=pthread_mutex_lock) has $got% of the measured wait (100 +- 15)" \
	within "$got" 100 15
check "block: no lock wait charged to the holder" \
	test "$(sum_tagged "$b" delay call=pthread_mutex_lock '^mutex_contend_hold$')" -eq 0
finish
