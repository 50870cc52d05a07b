#!/usr/bin/env bash
# Our decoder (pdump -check) and go tool pprof agree on every profile the encoder's unit
# test writes: the valid ones load in both (go tool pprof printing nothing on stderr), and
# each malformed one (bad string table, ids, locations, lines, value counts, duplicated
# time_nanos, corrupt gzip...) is rejected by both, with pprof's own words.
. tests/lib.sh
need go
need_built "$B/tests/unit/encoder_test"

out=$T/profiles
"$B/tests/unit/encoder_test" "$out" >"$T/unit.log" 2>&1 || bad "the encoder unit test failed (see $T/unit.log)"
[ -s "$out/expect.txt" ] || broken "the encoder test wrote no expect.txt"
n=0
while IFS=$'\t' read -r f ours theirs; do
	n=$((n + 1))
	mine=$("$PDUMP" -check "$out/$f" 2>&1)
	mrc=$?
	if [ "$ours" = - ]; then
		check "$f: our decoder accepts it" test $mrc -eq 0 -a -z "$mine"
	else
		check "$f: our decoder rejects it: $ours" sh -c '[ "$1" -eq 1 ] && printf %s "$2" | grep -qF -- "$3"' _ "$mrc" "$mine" "$ours"
	fi
	theirs_out=$(go tool pprof -raw -symbolize=none "$out/$f" 2>&1 >/dev/null)
	rc=$?
	if [ "$theirs" = - ]; then
		check "$f: go tool pprof reads it with no warning" test $rc -eq 0 -a -z "$theirs_out"
	else
		check "$f: go tool pprof says: $theirs" sh -c '[ "$1" -ne 0 ] && printf %s "$2" | grep -qF -- "$3"' _ "$rc" "$theirs_out" "$theirs"
	fi
done <"$out/expect.txt"
check "all $n profiles were compared" test "$n" -ge 30
finish
