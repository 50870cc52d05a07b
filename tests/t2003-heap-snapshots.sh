#!/usr/bin/env bash
# Dump-signal snapshots: a program grows its live set between two SIGUSR2 (sent to
# cprofrun, which passes them on); heap.prof.1 and heap.prof.2 appear (and allocs.prof.1,
# .2, and the threads profile beside them), the final profiles go to the named files,
# cprofrun reports all nine, and
# go tool pprof -base heap.prof.1 heap.prof.2 shows exactly the growth (grow_second's
# 500 x 2000 bytes) and nothing else. A snapshot never overwrites a file: with
# snap.prof.1 already there, the first snapshot becomes snap.prof.2.
. tests/lib.sh
. tests/lib-heap.sh
need go

f=$T/heap.prof
a=$T/allocs.prof
th=$T/threads.prof
mkdir "$T/sync"
"$CPROFRUN" -heap="$f" -allocs="$a" -threads="$th" -memrate=1 "$PROGS/heap_grow" "$T/sync" \
	>"$T/run.out" 2>"$T/run.err" &
pid=$!
for step in 1 2; do
	if ! wait_for "$T/sync/ready$step"; then
		bad "the program never reached step $step"
		break
	fi
	kill -USR2 "$pid"
	check "snapshot $step: $f.$step appears" wait_for "$f.$step"
	check "snapshot $step: $a.$step appears" wait_for "$a.$step"
	check "snapshot $step: the threads profile $th.$step appears beside them" wait_for "$th.$step"
	touch "$T/sync/go$step"
done
wait "$pid"
status=$?
expect_status "heap_grow with two snapshots" 0
for p in "$f.1" "$f.2" "$f" "$a.1" "$a.2" "$a" "$th.1" "$th.2" "$th"; do
	check "$(basename "$p") reads (pdump and go tool pprof)" sh -c "'$PDUMP' -check '$p' && go tool pprof -raw '$p' >/dev/null 2>&1"
	check "cprofrun reported $(basename "$p")" grep -q "profile: $p (" "$T/run.err"
done
check "the snapshots are heap, allocs and threads profiles" \
	sh -c "grep -q 'heap profile: $f.1 ' '$T/run.err' && grep -q 'allocs profile: $a.2 ' '$T/run.err' && grep -q 'threads profile: $th.1 ' '$T/run.err'"
check "the threads snapshot has the program's main thread" \
	sh -c "'$PDUMP' -raw '$th.1' | grep -q 'frames.*main'"

go tool pprof -proto -base "$f.1" "$f.2" >"$T/diff.prof" 2>"$T/diff.err"
check "go tool pprof -base heap.prof.1 heap.prof.2 works" test -s "$T/diff.prof"
check "our decoder reads the difference" pdump_ok "$T/diff.prof"
check "the growth in use is exactly 1000000 bytes, all of it grow_second's" \
	test "$(total "$T/diff.prof" inuse_space) $(sum_where "$T/diff.prof" inuse_space '^grow_second$')" = "1000000 1000000"
check "exactly 500 objects more in use" test "$(total "$T/diff.prof" inuse_objects)" = 500
check "grow_first did not change between the snapshots" \
	test "$(sum_where "$T/diff.prof" inuse_space '^grow_first$')" = 0
check "snapshot 1 already had grow_first's 1000000 bytes" \
	sh -c "'$PDUMP' -raw '$f.1' >'$f.1.dump' && test \"\$(awk '/^sample: / && /grow_first/ { s += \$5 } END { print s + 0 }' '$f.1.dump')\" = 1000000"
check "the final heap profile has nothing in use from grow_*" \
	sh -c "'$PDUMP' -raw '$f' >'$f.dump' && ! awk '/^sample: / && /grow_/ && \$5 != 0 { bad = 1 } END { exit !bad }' '$f.dump'"

# Numbering never overwrites: an existing snap.prof.1 is skipped.
s=$T/snap.prof
echo keep >"$s.1"
rm -f "$T/sync"/*
"$CPROFRUN" -heap="$s" "$PROGS/heap_grow" "$T/sync" >"$T/run2.out" 2>"$T/run2.err" &
pid=$!
wait_for "$T/sync/ready1" || bad "the second run never reached step 1"
kill -USR2 "$pid"
check "with snap.prof.1 already there, the snapshot is snap.prof.2" wait_for "$s.2"
touch "$T/sync/go1" "$T/sync/go2"
wait "$pid"
status=$?
expect_status "heap_grow with one snapshot" 0
check "snap.prof.1 was left alone" test "$(cat "$s.1")" = keep
check "snap.prof.2 is a heap profile" "$PDUMP" -check "$s.2"
finish
