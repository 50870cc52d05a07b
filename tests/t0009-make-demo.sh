#!/usr/bin/env bash
# The README's first command: make demo profiles the bundled demo program under cprofrun
# and prints its top functions, which are the demo's three hot functions.
. tests/lib.sh
need go

make -s demo >"$T/demo.out" 2>&1
check "make demo succeeds" test $? -eq 0
check "it reports the profile it wrote" grep -q 'cprofrun: cpu profile: build/demo.prof' "$T/demo.out"
for fn in demo_primes demo_hash demo_sort; do
	check "the top functions include $fn" grep -q " $fn\$" "$T/demo.out"
done
check "go tool pprof printed no warning" sh -c "! grep -qi 'warning\|failed' '$T/demo.out'"
finish
