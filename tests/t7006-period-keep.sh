#!/usr/bin/env bash
# Continuous profiling: -period=1s -outdir=DIR -keep=3 over a run of about 6 periods
# leaves exactly 3 files of each kind this process wrote (the CPU profile of each period
# and a snapshot of each registered named profile: the test source, heap, mutex and block), named
# KIND-YYYYMMDDTHHMMSS.mmmZ-PID.pb.gz so that they sort by time, each one whole and
# readable by go tool pprof, each CPU file the window of one period, and no temporary
# file left behind. With -keep large enough to keep them all, the CPU periods add up to
# the whole run's CPU profile written beside them: consecutive windows lose and repeat
# no sample. Files of other processes in the directory are left alone.
. tests/lib.sh
need go

out=$T/out
mkdir -p "$out"
: >"$out/cpu-20000101T000000.000Z-1.pb.gz"
CPROF_TEST_SOURCE=1 run_cprof "$T/run" -period=1s -outdir="$out" -keep=3 \
	"$PROGS/http_busy" 6500 0
expect_status "http_busy with -period" 0
check "its output is its own" test "$(cat "$T/run.out")" = "$(printf 'checksum ce8eefe99cd3cc41\ndone')"
pid=$(ls "$out" | sed -n 's/^cpu-.*Z-\([0-9]*\)\.pb\.gz$/\1/p' | grep -v '^1$' | head -1)
[ -n "$pid" ] || broken "no periodic file: $(ls "$out")"
for kind in cpu cprof_test heap mutex block; do
	ls "$out" | grep "^$kind-.*-$pid\.pb\.gz$" >"$T/$kind.list"
	check "$kind: exactly 3 files kept" test "$(wc -l <"$T/$kind.list")" -eq 3
	check "$kind: names of the form KIND-YYYYMMDDTHHMMSS.mmmZ-PID.pb.gz" \
		bash -c "! grep -vq '^$kind-[0-9]\{8\}T[0-9]\{6\}\.[0-9]\{3\}Z-$pid\.pb\.gz$' '$T/$kind.list'"
	prev=0
	for f in $(cat "$T/$kind.list"); do
		check "$f: go tool pprof reads it" pprof_ok "$out/$f"
		check "$f: our decoder reads it" pdump_ok "$out/$f"
		t=$(awk '/^time_nanos:/ { print $2 }' "$out/$f.dump")
		check "$f: later than the file before it in name order" test "$t" -gt "$prev"
		prev=$t
	done
done
for f in $(cat "$T/cpu.list"); do
	d=$(awk '/^duration_nanos:/ { print $2 }' "$out/$f.dump")
	check "$f: one period at most (${d} ns)" test "$d" -le 1500000000
done
check "the other process's file is left alone" test -e "$out/cpu-20000101T000000.000Z-1.pb.gz"
check "no temporary file is left" bash -c "! ls -A '$out' | grep -q '^\.'"
check "cprofrun reports none of them" bash -c "! grep -q 'profile:' '$T/run.err'"

# All periods kept: they add up to the whole run.
all=$T/all
mkdir -p "$all"
run_cprof "$T/whole" -period=1s -outdir="$all" -keep=1000 -cpu="$T/whole.prof" "$PROGS/http_busy" 4500 0
expect_status "http_busy with -period and -cpu" 0
check "the whole run's profile" pdump_ok "$T/whole.prof"
sum=0
n=0
for f in "$all"/cpu-*.pb.gz; do
	pdump_ok "$f" || bad "cannot read $f"
	sum=$((sum + $(total "$f" samples)))
	n=$((n + 1))
done
whole=$(total "$T/whole.prof" samples)
check "$n periods written for a run of about 4.5 s (4 to 7)" bash -c "[ $n -ge 4 ] && [ $n -le 7 ]"
check "the periods add up to the whole run ($sum samples in them, $whole in the whole profile, within 2 %)" \
	within "$sum" "$whole" $((whole / 50 + 2))
finish
