#!/usr/bin/env bash
# A program built with cprof.h and nothing else of cprof's links and runs on its own
# (cprof_enabled() is 0). Under cprofrun the process the launcher started is profiled,
# also after it replaces its image with exec (same process), while a child it forks and
# execs is left alone; the profile written by the final image reaches the launcher.
. tests/lib.sh

"$PROGS/api_enabled" >"$T/plain.out" 2>&1
check "without cprof: cprof_enabled() is 0 everywhere" \
	test "$(cat "$T/plain.out")" = "$(printf 'enabled 0\nchild enabled 0\nexec enabled 0')"
check "the program does not need libcprof.so to link" \
	sh -c "! ldd '$PROGS/api_enabled' | grep -q cprof"
run_cprof "$T/run" -cpu="$T/p.prof" "$PROGS/api_enabled"
expect_status "api_enabled under cprofrun" 0
check "under cprofrun: 1 in the process, 0 in the forked and exec'd child, 1 after exec" \
	test "$(cat "$T/run.out")" = "$(printf 'enabled 1\nchild enabled 0\nexec enabled 1')"
check "the profile was written" pdump_ok "$T/p.prof"
check "cprofrun reported it" grep -q "cpu profile: $T/p.prof" "$T/run.err"
finish
