#!/usr/bin/env bash
# The heap flags: -h lists -heap, -allocs, -memrate and -signal with their variables and
# defaults; they reach the program as CPROF_HEAP (absolute), CPROF_ALLOCS, CPROF_MEMRATE
# and CPROF_SIGNAL (as given); -memrate outside 1..2^30 and two profiles on one file are
# usage errors (exit 2, one line, the program not run).
. tests/lib.sh

run_cprof "$T/h" -h
expect_status "-h" 0
for want in '-heap=FILE' '-allocs=FILE' '-memrate=N' '-signal=SIG' 'sets CPROF_HEAP' \
	'sets CPROF_ALLOCS' '1 to 1073741824, default 524288, sets CPROF_MEMRATE' \
	'default USR2, sets CPROF_SIGNAL'; do
	check "-h mentions '$want'" grep -qF -- "$want" "$T/h.out"
done

cd "$T" || broken "cd $T"
run_cprof "$T/env" -heap=h.prof -allocs=a.prof -memrate=4096 -signal=RTMIN+3 \
	sh -c 'echo "$CPROF_HEAP $CPROF_ALLOCS $CPROF_MEMRATE $CPROF_SIGNAL"'
cd "$ROOT" || broken "cd $ROOT"
expect_status "the flags reach the program" 0
check "as CPROF_HEAP (absolute), CPROF_ALLOCS, CPROF_MEMRATE and CPROF_SIGNAL" \
	test "$(cat "$T/env.out")" = "$T/h.prof $T/a.prof 4096 RTMIN+3"

# usage_error NAME WANT-LINE ARGS...: exit 2, exactly that one line, the program not run.
usage_error() {
	local name=$1 want=$2
	shift 2
	rm -f "$T/ran"
	run_cprof "$T/u" "$@" touch "$T/ran"
	expect_status "$name" 2
	check "$name: the message" test "$(cat "$T/u.err")" = "$want"
	check "$name: the program did not run" test ! -e "$T/ran"
}
for v in 0 1073741825 -1 4k; do
	usage_error "-memrate=$v" "cprofrun: invalid value \"$v\" for flag -memrate: must be an integer from 1 to 1073741824" -memrate="$v"
done
usage_error "-heap and -allocs on one file" "cprofrun: -heap and -allocs both write to '$T/p.prof'" \
	-heap="$T/p.prof" -allocs="$T/p.prof"
usage_error "-cpu and -heap on one file" "cprofrun: -cpu and -heap both write to '$T/p.prof'" \
	-cpu="$T/p.prof" -heap="$T/p.prof"
usage_error "-heap in a missing directory" "cprofrun: cannot write profile '$T/no/h.prof': No such file or directory" \
	-heap="$T/no/h.prof"
finish
