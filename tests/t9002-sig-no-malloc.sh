#!/usr/bin/env bash
# cprof's SIGPROF handler never allocates: a shim preloaded before libcprof.so counts the
# malloc-family calls made while SIGPROF is blocked (inside the handler) during a malloc
# churn sampled at -hz=1000, and that count must be zero while the program itself made
# hundreds of thousands of calls (so the shim demonstrably sees them).
. tests/lib.sh

f=$T/churn.prof
MALLOCCHECK_OUT=$T/check LD_PRELOAD=$PROGS/libmalloccheck.so \
	run_cprof "$T/run" -cpu="$f" -hz=1000 "$PROGS/malloc_churn" 1500
expect_status "malloc_churn under the counting shim" 0
read -r _ _ inh _ calls <"$T/check" || broken "the shim wrote no report"
check "the shim saw the program's allocations (${calls:-0})" test "${calls:-0}" -gt 100000
check "no malloc-family call from inside the handler (${inh:-?})" test "${inh:-1}" -eq 0
check "our decoder reads the profile" pdump_ok "$f"
check "churn_thread has samples" grep -q 'churn_thread' "$f.dump"
finish
