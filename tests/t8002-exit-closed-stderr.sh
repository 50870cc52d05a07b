#!/usr/bin/env bash
# A program that closes stderr, opens a data file that takes fd 2, and leaves with
# _exit(3): the CPU profile is still written, the status is 3, and the data file holds the
# program's data only (cprof never writes into an fd 2 that is no longer stderr).
. tests/lib.sh

f=$T/closed.prof
run_cprof "$T/run" -cpu="$f" "$PROGS/close_stderr" "$T/data" 500
expect_status "close_stderr" 3
check "the profile was written and read" pdump_ok "$f"
check "closing_work is in it" grep -q 'closing_work' "$f.dump"
check "the data file holds the program's data only" test "$(cat "$T/data")" = "data"
finish
