#!/usr/bin/env bash
# Delta profiles are Go's profile.Merge of the second snapshot with the first scaled by
# -1 (encoder/merge.c). go tool pprof -base computes the same difference with pprof's own
# Merge: for each sample type, the stacks, labels and values of merge_test's delta must
# equal what pprof -base makes of the two snapshots it merged (grown, shrunk to a negative
# in-use value, gone, new; an unchanged stack is left out of both).
. tests/lib.sh
need go
u=$B/tests/unit/merge_test
need_built "$u"
"$u" "$T" >"$T/unit.out" 2>&1 || bad "merge_test failed: $(grep -m1 'not ok' "$T/unit.out")"
for f in p0 p1 delta; do
	[ -s "$T/$f.pb.gz" ] || broken "merge_test wrote no $f.pb.gz"
done
check "go tool pprof reads the delta without a warning" pprof_ok "$T/delta.pb.gz"

# traces FILE...: pprof -traces blocks, one per line, sorted (pprof orders them its own way).
traces() {
	go tool pprof -symbolize=none -traces "$@" 2>/dev/null |
		awk '/^-----------\+/ { if (b != "") print b; b = ""; on = 1; next } on { gsub(/[ \t]+/, " "); b = b "|" $0 } END { if (b != "") print b }' | sort
}
for t in alloc_objects alloc_space inuse_objects inuse_space; do
	traces -sample_index=$t -base "$T/p0.pb.gz" "$T/p1.pb.gz" >"$T/base.$t"
	traces -sample_index=$t "$T/delta.pb.gz" >"$T/ours.$t"
	[ -s "$T/base.$t" ] || broken "pprof -base printed no traces for $t"
	if diff -u "$T/base.$t" "$T/ours.$t" >"$T/diff.$t"; then
		ok "$t: the delta equals pprof -base ($(wc -l <"$T/ours.$t") stacks)"
	else
		bad "$t: the delta differs from pprof -base"
		sed 's/^/#   /' "$T/diff.$t"
	fi
done
check "the unchanged stack is in neither" bash -c "! grep -q ' same' '$T/ours.inuse_space'"
check "the shrunk stack has a negative in-use value" grep -q -- '| -600B shrink' "$T/ours.inuse_space"
finish
