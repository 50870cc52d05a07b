#!/usr/bin/env bash
# When a table is full, nothing is lost silently: heap_many_stacks allocates from 2^18
# distinct stacks at -memrate=1, twice what cprof's stack table holds. The program runs
# to its end unchanged, the profile holds the allocations whose stacks fit, and its
# comment (go tool pprof -comments) counts the others: recorded plus missing is every
# allocation the program made.
. tests/lib.sh
need go

f=$T/allocs.prof
run_cprof "$T/run" -allocs="$f" -memrate=1 "$PROGS/heap_many_stacks" 18
expect_status "heap_many_stacks" 0
check "the program's output is its own" grep -qx 'allocations 262144' "$T/run.out"
check "our decoder reads the profile" pdump_ok "$f"
got=$(total "$f" alloc_objects)
missing=$(sed -n 's/^comment: cprof: \([0-9]*\) sampled allocations are missing.*/\1/p' "$f.dump")
check "the comment counts the missing allocations (${missing:-none})" test "${missing:-0}" -gt 0
check "recorded ($got) + missing ($missing) = the program's allocations (262144, and at most 16 of stdio's and main's)" \
	bash -c "[ $((got + ${missing:-0})) -ge 262144 ] && [ $((got + ${missing:-0})) -le 262160 ]"
check "the recorded ones are the leaf's (many_level)" \
	test "$(sum_where "$f" alloc_objects '^many_level$')" -ge $((got - 16))
go tool pprof -comments "$f" >"$T/comments" 2>"$T/comments.err"
check "go tool pprof -comments shows it" grep -q 'sampled allocations are missing' "$T/comments"
check "... without a warning" test ! -s "$T/comments.err"
finish
