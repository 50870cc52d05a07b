#!/usr/bin/env bash
# A 600-deep recursion (gperftools stops at 253 frames): every sample taken in the leaf
# still reaches main, through 600 deep_recurse frames, and is not marked truncated. With
# -depth=100 the same stacks are cut, and marked as cut.
. tests/lib.sh

f=$T/deep.prof
run_cprof "$T/run" -cpu="$f" "$PROGS/cpu_deep" 600 1000
expect_status "cpu_deep" 0
check "our decoder reads the profile" pdump_ok "$f"
frames_of "$f" | grep '^deep_leaf' >"$T/leaf" || true
n=$(wc -l <"$T/leaf")
check "there are samples in deep_leaf ($n)" test "$n" -gt 0
check "every deep_leaf sample reaches main" \
	awk -F';' '{ ok = 0; for (i = 1; i <= NF; i++) if ($i == "main") ok = 1; if (!ok) exit 1 }' "$T/leaf"
check "every deep_leaf sample has at least 600 deep_recurse frames" \
	awk -F';' '{ c = 0; for (i = 1; i <= NF; i++) if ($i ~ /^deep_recurse/) c++; if (c < 600) exit 1 }' "$T/leaf"
check "no stack is marked truncated" sh -c "! grep -q 'truncated stack' '$f.dump'"
if command -v go >/dev/null; then
	check "go tool pprof reads it without a warning" pprof_ok "$f"
fi

f=$T/cut.prof
run_cprof "$T/cut" -cpu="$f" -depth=100 "$PROGS/cpu_deep" 600 500
expect_status "cpu_deep with -depth=100" 0
check "our decoder reads the cut profile" pdump_ok "$f"
frames_of "$f" | grep '^deep_leaf' >"$T/cut-leaf" || true
check "stacks cut at 100 frames end in the [truncated stack] marker" \
	awk -F';' 'END { exit NR == 0 } $NF != "[truncated" { exit 1 }' "$T/cut-leaf"
check "no stack is longer than 100 frames plus the marker (inlined frames aside)" \
	awk -F' [|] ' '/^sample: / { n = split($3, a, ";"); for (k = 1; k <= n; k++) if (a[k] ~ /[(]inline[)]$/) n--; if (n > 101) exit 1 }' "$f.dump"
finish
