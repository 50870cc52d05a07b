#!/usr/bin/env bash
# cprof never keeps one of the program's files open after the program closed it: a pipe
# inherited as fd 3 and closed at once, and stderr closed after 300 ms, reach end of file
# for their readers long before the program exits 2.5 s later (the profiler's own thread
# has a private file table, which must not hold copies of them).
. tests/lib.sh

mkfifo "$T/three" "$T/err"
# Readers that note when end of file came, in ms since the start.
t0=$(date +%s%N)
(cat "$T/three" >/dev/null; echo $((($(date +%s%N) - t0) / 1000000)) >"$T/three.eof") &
(cat "$T/err" >/dev/null; echo $((($(date +%s%N) - t0) / 1000000)) >"$T/err.eof") &
CPROF_CPU=$T/p.prof LD_PRELOAD=$LIB "$PROGS/fd_release" 3>"$T/three" 2>"$T/err"
status=$?
end=$((($(date +%s%N) - t0) / 1000000))
wait
expect_status "fd_release" 0
three=$(cat "$T/three.eof")
err=$(cat "$T/err.eof")
echo "# program ran ${end} ms; fd 3 reached end of file at ${three} ms, stderr at ${err} ms"
check "fd 3 reached end of file well before the program ended" test "$three" -lt $((end - 1500))
check "stderr reached end of file well before the program ended" test "$err" -lt $((end - 1000))
check "the profile was written" pdump_ok "$T/p.prof"
finish
