#!/usr/bin/env bash
# Threads the profiler did not see created are sampled too: one started by a library's
# constructor before libcprof.so started (found in /proc/self/task at start-up), and one
# started later with raw clone() (no pthread_create, sharing its creator's TLS), found by
# the background thread's scan within a second. The raw thread computes for about 1.5 s,
# so most of its CPU time must be in the profile, under its own tid.
. tests/lib.sh

f=$T/early.prof
run_cprof "$T/run" -cpu="$f" "$PROGS/early_threads"
expect_status "early_threads" 0
check "our decoder reads the profile" pdump_ok "$f"
check "the thread started before cprof has samples, under its name" \
	sh -c "grep '^sample: ' '$f.dump' | grep 'thread=early ' | grep -q 'early_thread_work'"
tid=$(awk '$1 == "clone" { print $3 }' "$T/run.out")
part=$(awk -v i="$(value_index "$f" cpu)" -v tid="tid=$tid" -F' [|] ' \
	'/^sample: / && (" " $2 " ") ~ (" " tid " ") && $3 ~ /clone_thread_work/ { split(substr($1, 9), v, " "); s += v[i + 1] } END { printf "%.0f\n", s }' "$f.dump")
check "the raw clone thread $tid has samples in clone_thread_work ($((part / 1000000)) ms)" \
	test "$part" -gt 300000000
if command -v go >/dev/null; then
	check "go tool pprof reads it without a warning" pprof_ok "$f"
fi
finish
