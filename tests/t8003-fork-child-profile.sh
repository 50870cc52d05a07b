#!/usr/bin/env bash
# A child created with fork (while another parent thread runs) profiles itself into
# PATH.PID: the child's profile has child_work and none of the parent's samples, the
# parent's has parent_work and none of the child's, and cprofrun reports both.
. tests/lib.sh

f=$T/fork.prof
run_cprof "$T/run" -cpu="$f" "$PROGS/fork_child"
expect_status "fork_child" 0
pid=$(awk '$1 == "child" { print $2 }' "$T/run.out")
check "the parent's profile reads" pdump_ok "$f"
check "the child's profile $f.$pid reads" pdump_ok "$f.$pid"
check "the parent's profile has parent_work" grep -q 'parent_work' "$f.dump"
check "the parent's profile has no child_work" sh -c "! grep -q 'child_work' '$f.dump'"
check "the child's profile has child_work" grep -q 'child_work' "$f.$pid.dump"
check "the child's profile has no parent_work" sh -c "! grep -q 'parent_work' '$f.$pid.dump'"
check "cprofrun reported the child's profile" grep -q "fork.prof.$pid" "$T/run.err"
finish
