#!/usr/bin/env bash
# The signal-safety lint passes on preload/ and catches every kind of violation in a file
# written to break the rules (tests/lint/bad.c): allocation, stdio, a call to a normal-
# context function, a _sig function before the banner, a banned call inside a
# function-like macro defined in a signal-context section, and a call to an allocator
# function that the same code interposes (tests/lint/bad_alloc.c).
. tests/lib.sh

tests/lint-sig.sh >"$T/ok.out" 2>&1
check "preload/ has no signal-safety violation" test $? -eq 0
cat "$T/ok.out"
tests/lint-sig.sh tests/lint >"$T/bad.out" 2>&1
check "the lint fails on tests/lint/bad.c" test $? -ne 0
for what in "calls malloc" "calls printf" "calls normal" "calls free" "early_sig is a _sig function before" \
	"BAD_MACRO (signal-context macro) calls calloc" "wrapped_sig (signal context) calls calloc"; do
	check "it reports: $what" grep -q "$what" "$T/bad.out"
done
finish
