#!/usr/bin/env bash
# Two threads dlopen, call and dlclose a library in a loop while a third burns CPU and a
# fourth works in a library it loaded once, all sampled at -hz=1000: no hang (the runner's
# time limit would fail it), no crash, and samples inside the kept library are attributed
# to it with their callers. (A library unloaded a millisecond after it was loaded may be
# gone before cprof has read its unwind tables: its frames end the stack.)
. tests/lib.sh

f=$T/dl.prof
run_cprof "$T/run" -cpu="$f" -hz=1000 "$PROGS/cpu_dlopen" "$PROGS/libplugin.so" "$PROGS/libstay.so" 2000
expect_status "cpu_dlopen" 0
loops=$(awk '$1 == "loops" { print $2 }' "$T/run.out")
check "the library was loaded and unloaded many times (${loops:-0})" test "${loops:-0}" -gt 100
check "our decoder reads the profile" pdump_ok "$f"
check "dlopen_burner and dlopen_loop have samples" \
	sh -c "grep -q 'dlopen_burner' '$f.dump' && grep -q 'dlopen_loop' '$f.dump'"
in_lib=$(sum_where "$f" samples '^stay_work$')
reached=$(sum_where "$f" samples '^stay_work$' '^dlopen_stayer$')
check "there are samples in stay_work ($in_lib)" test "$in_lib" -gt 20
check "at least 90% of them ($reached) reach dlopen_stayer through the library's unwind tables" \
	test "$((reached * 10))" -ge "$((in_lib * 9))"
if command -v go >/dev/null; then
	check "go tool pprof reads it without a warning" pprof_ok "$f"
fi
finish
