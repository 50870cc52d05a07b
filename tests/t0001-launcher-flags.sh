#!/usr/bin/env bash
# cprofrun's flags: Go-style syntax, -h generated from the flag table, -version, and a
# usage error as one "cprofrun: ..." line with exit status 2 and the program not run.
# The library is a stub (CPROF_LIB): only the launcher is under test here.
. tests/lib.sh
need gcc

printf 'int cprof_stub;\n' | gcc -shared -fPIC -x c - -o "$T/libstub.so" || broken "cannot build a stub library"
export CPROF_LIB=$T/libstub.so

# one_line NAME FILE WANT: FILE holds exactly the line WANT.
one_line() {
	if [ "$(wc -l <"$2")" -eq 1 ] && [ "$(cat "$2")" = "$3" ]; then ok "$1"; else
		bad "$1: got '$(head -3 "$2")', want '$3'"; fi
}

# usage_error NAME WANT-LINE ARGS...: exit 2, one line on stderr, the program not run.
usage_error() {
	local name=$1 want=$2
	shift 2
	rm -f "$T/ran"
	run_cprof "$T/u" "$@"
	expect_status "$name" 2
	one_line "$name: the message" "$T/u.err" "$want"
	check "$name: the program did not run" test ! -e "$T/ran"
}

run_cprof "$T/v" -version
expect_status "-version" 0
one_line "-version prints the version" "$T/v.out" "cprofrun 0.1.0"
for h in -h -help --help; do
	run_cprof "$T/h" $h
	expect_status "$h" 0
	check "$h: usage on stdout" grep -q '^usage: cprofrun \[flags\] \[--\] program \[args...\]' "$T/h.out"
	check "$h: nothing on stderr" test ! -s "$T/h.err"
done
for want in '-cpu=FILE' '-hz=N' '-depth=N' '-top' '-h, -help' '-version' \
	'-threads=FILE' '-threadcreate=FILE' '-profile=NAME=FILE' 'sets CPROF_THREADS' \
	'sets CPROF_THREADCREATE' 'sets CPROF_PROFILES' \
	'sets CPROF_CPU' 'sets CPROF_HZ' 'sets CPROF_DEPTH' '1 to 10000, default 100' \
	'8 to 4096, default 1024' CPROF_LIB '-mutex=FILE' '-mutexfraction=N' '-block=FILE' \
	'-blockrate=NS' 'sets CPROF_MUTEX)' 'sets CPROF_BLOCK)' '1 to 1000000, default 1' \
	'1 to 1000000000, default 10000'; do
	check "-h mentions '$want'" grep -qF -- "$want" "$T/h.out"
done

mark="touch $T/ran"
usage_error "unknown flag" 'cprofrun: flag provided but not defined: -foo (see cprofrun -h)' -foo $mark
usage_error "unknown --flag=value" 'cprofrun: flag provided but not defined: -foo (see cprofrun -h)' --foo=1 $mark
usage_error "bad flag syntax" 'cprofrun: bad flag syntax: ---cpu=x (see cprofrun -h)' ---cpu=x $mark
usage_error "-hz=abc" 'cprofrun: invalid value "abc" for flag -hz: must be an integer from 1 to 10000' -hz=abc $mark
for v in 0 10001 -5 12x ' 5' ''; do
	usage_error "-hz '$v'" "cprofrun: invalid value \"$v\" for flag -hz: must be an integer from 1 to 10000" -hz "$v" $mark
done
usage_error "-blockrate=0" 'cprofrun: invalid value "0" for flag -blockrate: must be an integer from 1 to 1000000000' -blockrate=0 $mark
usage_error "-mutexfraction=x" 'cprofrun: invalid value "x" for flag -mutexfraction: must be an integer from 1 to 1000000' -mutexfraction=x $mark
usage_error "-mutex and -block on one file" "cprofrun: -mutex and -block both write to '$T/same.prof'" \
	-mutex="$T/same.prof" -block="$T/same.prof" $mark
for v in 7 4097; do
	usage_error "-depth=$v" "cprofrun: invalid value \"$v\" for flag -depth: must be an integer from 8 to 4096" -depth=$v $mark
done
usage_error "-top=maybe" 'cprofrun: invalid value "maybe" for flag -top: must be true or false' -top=maybe $mark
usage_error "-cpu without a value" 'cprofrun: flag needs an argument: -cpu (see cprofrun -h)' -cpu
usage_error "-cpu=''" 'cprofrun: invalid value "" for flag -cpu: must not be empty' -cpu= $mark
 usage_error "-profile without NAME=" 'cprofrun: invalid value "x.prof" for flag -profile: must be NAME=FILE (NAME of letters, digits, '"'"'.'"'"', '"'"'_'"'"', '"'"'-'"'"'; FILE without '"'"','"'"')' -profile=x.prof $mark
usage_error "-profile with a bad name" 'cprofrun: invalid value "a/b=x.prof" for flag -profile: must be NAME=FILE (NAME of letters, digits, '"'"'.'"'"', '"'"'_'"'"', '"'"'-'"'"'; FILE without '"'"','"'"')' -profile=a/b=x.prof $mark
usage_error "-profile twice to one file" "cprofrun: -profile writes to '$T/p.prof' twice" -profile=a=$T/p.prof -profile=b=$T/p.prof $mark
usage_error "-profile and -threads to one file" "cprofrun: -threads and -profile both write to '$T/p.prof'" -threads=$T/p.prof -profile=b=$T/p.prof $mark
usage_error "no program" 'cprofrun: no program given (usage: cprofrun [flags] [--] program [args...])' -hz=5
usage_error "nothing at all" 'cprofrun: no program given (usage: cprofrun [flags] [--] program [args...])'
usage_error "only --" 'cprofrun: no program given (usage: cprofrun [flags] [--] program [args...])' --

# Output paths are checked before the program runs.
cd "$T" || broken "cd $T"
usage_error "profile in a missing directory" \
	"cprofrun: cannot write profile 'nodir/x.prof': No such file or directory" -cpu=nodir/x.prof $mark
cd "$ROOT" || broken "cd $ROOT"
mkdir "$T/isdir"
usage_error "profile path is a directory" "cprofrun: cannot write profile '$T/isdir': Is a directory" \
	-cpu="$T/isdir" $mark
: >"$T/file"
usage_error "profile under a regular file" "cprofrun: cannot write profile '$T/file/x.prof': Not a directory" \
	-cpu="$T/file/x.prof" $mark
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup \
	--clear-groups test -x "$CPROFRUN" 2>/dev/null; then
	mkdir -m 755 "$T/ro"
	chmod 755 "$T"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$CPROFRUN" -cpu="$T/ro/x.prof" true \
		>"$T/ro.out" 2>"$T/ro.err"
	status=$?
	expect_status "profile in a directory the user cannot write" 2
	one_line "unwritable directory: the message" "$T/ro.err" \
		"cprofrun: cannot write profile '$T/ro/x.prof': Permission denied"
else
	echo "[Skipped: unwritable directory needs root and setpriv]"
fi

# Accepted spellings; flags end at the first non-flag argument or after --.
for args in "-cpu=$T/a.prof" "-cpu $T/a.prof" "--cpu=$T/a.prof" "--cpu $T/a.prof" \
	"-hz=1 -depth=8" "-hz 10000 -depth 4096" "-top" "-top=true" "-top=false" "-top=0" "--top"; do
	run_cprof "$T/ok" $args true
	expect_status "accepted: $args" 0
done
run_cprof "$T/stop" -top sh -c 'echo "$0 $1"' -cpu=x -hz=0
expect_status "parsing stops at the program" 0
one_line "arguments after the program are the program's" "$T/stop.out" "-cpu=x -hz=0"
run_cprof "$T/dd" -- sh -c 'echo ran'
expect_status "-- ends the flags" 0
one_line "-- ends the flags: the program ran" "$T/dd.out" "ran"
run_cprof "$T/last" -hz=5 -hz=7 sh -c 'echo $CPROF_HZ'
one_line "the last of two -hz counts" "$T/last.out" "7"

# Without a profile flag the program runs and cprofrun says nothing.
run_cprof "$T/quiet" sh -c 'echo out; echo err >&2; exit 3'
expect_status "no profile flag: the program's status" 3
one_line "no profile flag: the program's stdout" "$T/quiet.out" "out"
one_line "no profile flag: only the program's stderr" "$T/quiet.err" "err"
finish
