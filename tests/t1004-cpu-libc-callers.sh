#!/usr/bin/env bash
# The hot function is a qsort comparator: libc calls it, and neither libc nor the
# program keeps frame pointers, so its callers are found only through DWARF unwind
# information. Every sample in qsort_compare must reach qsort_driver and main through
# libc's qsort.
. tests/lib.sh

f=$T/qsort.prof
run_cprof "$T/run" -cpu="$f" -hz=1000 "$PROGS/cpu_qsort" 1500
expect_status "cpu_qsort" 0
check "the program is built without frame pointers" \
	sh -c "objdump -d --no-show-raw-insn '$PROGS/cpu_qsort' | awk '/<qsort_compare>:/ { f = 1; next } f && NF == 0 { exit } f' | grep -vq 'push *%rbp'"
check "our decoder reads the profile" pdump_ok "$f"
frames_of "$f" | grep '^qsort_compare' >"$T/hot" || true
n=$(wc -l <"$T/hot")
check "there are samples in qsort_compare ($n)" test "$n" -gt 10
check "every qsort_compare sample goes through qsort, qsort_driver and main" \
	awk -F';' '{ q = d = m = 0; for (i = 1; i <= NF; i++) { if ($i ~ /qsort/ && $i != "qsort_compare" && $i != "qsort_driver") q = 1; if ($i == "qsort_driver") d = 1; if ($i == "main") m = 1 } if (!(q && d && m)) exit 1 }' "$T/hot"
if command -v go >/dev/null; then
	check "go tool pprof reads it without a warning" pprof_ok "$f"
	go tool pprof -traces "$f" >"$T/traces" 2>&1
	check "go tool pprof -traces shows qsort_compare called from libc" \
		sh -c "grep -A3 'qsort_compare' '$T/traces' | grep -q 'msort\|qsort'"
fi
finish
