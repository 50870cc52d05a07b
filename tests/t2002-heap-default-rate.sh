#!/usr/bin/env bash
# At the default rate (one sample per 512 KiB on average), a live set of 16384 blocks of
# 4 KiB (64 MiB) kept by live_set is reported within 10%. One run draws about 128 samples,
# so a single estimate has a spread of about 9% (Poisson): the test runs the program 8
# times, requires the mean within 10% and every run within 35% (4 standard deviations).
# Every value is Go's un-sampling of a whole number of sampled blocks, truncated, and
# the 512 MiB that churn allocates and frees are reported as allocated (within 10%) and
# exactly none of it as in use.
. tests/lib.sh
. tests/lib-heap.sh

want=$((16384 * 4096))
sum=0
for i in 1 2 3 4 5 6 7 8; do
	f=$T/live-$i.prof
	run_cprof "$T/run-$i" -heap="$f" "$PROGS/heap_live"
	[ "$status" -eq 0 ] || bad "run $i: exit status $status"
	"$PDUMP" -raw "$f" >"$f.dump" 2>/dev/null || bad "run $i: the profile does not decode"
	got=$(sum_where "$f" inuse_space '^live_set$')
	sum=$((sum + got))
	check "run $i: live_set has $(percent "$got" "$want")% of 64 MiB in use (100 +- 35)" \
		within "$(percent "$got" "$want")" 100 35
	check "run $i: live_set's values are Go's un-sampling of whole 4 KiB samples" \
		awk -v r=524288 '/^sample: / && / live_set / {
			scale = 1 / (1 - exp(-4096 / r)); k = int($5 / (4096 * scale) + 0.5)
			if (k < 1 || int(k * 4096 * scale) != $5 || int(k * scale) != $4 || $2 != $4 || $3 != $5) bad = 1; n++ }
			END { exit bad || n != 1 }' "$f.dump"
	check "run $i: churn has nothing in use" test "$(sum_where "$f" inuse_space '^churn$')" = 0
	churn=$(sum_where "$f" alloc_space '^churn$')
	check "run $i: churn allocated $(percent "$churn" $((512 << 20)))% of 512 MiB (100 +- 10)" \
		within "$(percent "$churn" $((512 << 20)))" 100 10
done
mean=$(percent "$sum" $((8 * want)))
check "the mean of 8 runs is $mean% of the live set (100 +- 10)" within "$mean" 100 10
check "go tool pprof reads the last profile" pprof_ok "$T/live-8.prof"
check "the period is the default rate" grep -qx 'Period: 524288' "$T/live-8.prof.raw"
finish
