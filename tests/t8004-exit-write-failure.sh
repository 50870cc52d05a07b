#!/usr/bin/env bash
# When the profile cannot be written (here: the file size limit makes write fail with
# EFBIG), the program's output and exit status are unchanged, cprof says so in one line,
# the older profile at that path is left intact, no temporary file is left behind, and
# cprofrun does not claim a profile was written.
. tests/lib.sh

f=$T/out.prof
echo "older profile" >"$f"
# The limit applies to every file the subshell writes, its stderr too: collect stdout and
# stderr through FIFOs read by processes started before the limit.
mkfifo "$T/out.fifo" "$T/err.fifo"
cat "$T/out.fifo" >"$T/run.out" &
cat "$T/err.fifo" >"$T/run.err" &
# No file may grow at all; SIGXFSZ ignored so that write fails with EFBIG.
(
	trap '' XFSZ
	ulimit -f 0
	"$CPROFRUN" -cpu="$f" "$PROGS/exit_status" 5 >"$T/out.fifo" 2>"$T/err.fifo"
)
status=$?
wait
expect_status "exit_status 5 with writes limited" 5
check "the older profile is intact" test "$(cat "$f")" = "older profile"
check "no temporary file is left" sh -c "! ls -A '$T' | grep -q 'tmp'"
check "cprof said once that it could not write the profile" \
	test "$(grep -c "^cprof: cannot write profile '$f': File too large$" "$T/run.err")" -eq 1
check "cprofrun did not claim a profile" sh -c "! grep -q 'cpu profile: ' '$T/run.err'"
check "cprofrun said none was written" grep -q "no cpu profile was written" "$T/run.err"
finish
