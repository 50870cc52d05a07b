#!/usr/bin/env bash
# The environment cprofrun gives the program (the contract in DESIGN.md): LD_PRELOAD with
# libcprof.so appended, CPROF_* from the flags with absolute paths, CPROF_PID and
# CPROF_HANDSHAKE_FD; and how libcprof.so is found ($CPROF_LIB, beside cprofrun, or
# ../lib/cprof/). cprofrun's own environment and inherited CPROF_ variables are kept.
. tests/lib.sh
need gcc
T=$(cd "$T" && pwd -P)	# cprofrun passes on real paths

printf 'int cprof_stub;\n' | gcc -shared -fPIC -x c - -o "$T/libstub.so" || broken "cannot build a stub library"
printf 'int cprof_other;\n' | gcc -shared -fPIC -x c - -o "$T/libother.so" || broken "cannot build a stub library"
export CPROF_LIB=$T/libstub.so
unset LD_PRELOAD CPROF_CPU CPROF_HZ CPROF_DEPTH

# has NAME FILE LINE: FILE has the line LINE.
has() {
	if grep -qxF -- "$3" "$2"; then ok "$1"; else bad "$1: no line '$3' in $2"; fi
}

show='echo "pid=$$"; env | grep -E "^(CPROF_|LD_PRELOAD=)" | sort'
mkdir "$T/sub"
cd "$T/sub" || broken "cd"
run_cprof "$T/e" -cpu=../sub/./x.prof -hz 250 -depth=64 -top sh -c "$show"
cd "$ROOT" || broken "cd"
expect_status "environment dump" 0
has "CPROF_CPU is absolute" "$T/e.out" "CPROF_CPU=$(cd "$T/sub" && pwd -P)/x.prof"
has "CPROF_HZ from -hz" "$T/e.out" "CPROF_HZ=250"
has "CPROF_DEPTH from -depth" "$T/e.out" "CPROF_DEPTH=64"
has "LD_PRELOAD is the library" "$T/e.out" "LD_PRELOAD=$T/libstub.so"
pid=$(sed -n 's/^pid=//p' "$T/e.out")
has "CPROF_PID is the program's pid" "$T/e.out" "CPROF_PID=$pid"
check "CPROF_HANDSHAKE_FD is set to fd:inode" grep -qE '^CPROF_HANDSHAKE_FD=[0-9]+:[0-9]+$' "$T/e.out"
check "-top sets no variable" test "$(grep -c '^CPROF_' "$T/e.out")" -eq 6

# The list flag: every -profile=NAME=FILE in one variable, in order, paths absolute.
cd "$T/sub" || broken "cd"
run_cprof "$T/list" -profile=handles=h.prof -threads=t.txt -profile=conns=../c.prof sh -c "$show"
cd "$ROOT" || broken "cd"
expect_status "-profile given twice" 0
has "CPROF_PROFILES holds both, absolute, in order" "$T/list.out" \
	"CPROF_PROFILES=handles=$T/sub/h.prof,conns=$T/c.prof"
has "CPROF_THREADS from -threads" "$T/list.out" "CPROF_THREADS=$T/sub/t.txt"

run_cprof "$T/fd" sh -c 'readlink /proc/$$/fd/${CPROF_HANDSHAKE_FD%%:*}; echo "${CPROF_HANDSHAKE_FD#*:}"'
check "the handshake descriptor is open in the program, the socket the variable names" \
	test "$(head -1 "$T/fd.out")" = "socket:[$(sed -n 2p "$T/fd.out")]"

LD_PRELOAD=$T/libother.so run_cprof "$T/pre" sh -c 'echo "$LD_PRELOAD"'
has "LD_PRELOAD: the library is appended" "$T/pre.out" "$T/libother.so $T/libstub.so"
check "cprofrun's own environment is not changed" test -z "${LD_PRELOAD:-}"

CPROF_HZ=500 CPROF_DEPTH=99 run_cprof "$T/inh" -depth=16 sh -c "$show"
has "an inherited CPROF_HZ reaches the program" "$T/inh.out" "CPROF_HZ=500"
has "a flag overrides an inherited variable" "$T/inh.out" "CPROF_DEPTH=16"
check "the overridden variable appears once" test "$(grep -c '^CPROF_DEPTH=' "$T/inh.out")" -eq 1
CPROF_PID=1 CPROF_HANDSHAKE_FD=99 run_cprof "$T/own" sh -c "$show"
check "inherited CPROF_PID and CPROF_HANDSHAKE_FD are replaced" \
	test "$(grep -cE '^CPROF_(PID=1|HANDSHAKE_FD=99)$' "$T/own.out")" -eq 0

# Finding the library.
run_cprof "$T/nolib" true
expect_status "CPROF_LIB set" 0
CPROF_LIB=$T/missing.so run_cprof "$T/miss" true
expect_status "CPROF_LIB names a missing file" 2
has "CPROF_LIB missing: the message" "$T/miss.err" "cprofrun: cannot use CPROF_LIB '$T/missing.so': No such file or directory"
mkdir "$T/a b"
cp "$T/libstub.so" "$T/a b/libcprof.so"
CPROF_LIB="$T/a b/libcprof.so" run_cprof "$T/space" true
expect_status "a library path with a space" 2
has "a space: the message" "$T/space.err" \
	"cprofrun: cannot preload '$T/a b/libcprof.so': LD_PRELOAD cannot hold a path with a space or ':'"

mkdir -p "$T/tree" "$T/prefix/bin" "$T/prefix/lib/cprof" "$T/none"
cp "$CPROFRUN" "$T/tree/cprofrun"
cp "$T/libstub.so" "$T/tree/libcprof.so"
cp "$CPROFRUN" "$T/prefix/bin/cprofrun"
cp "$T/libstub.so" "$T/prefix/lib/cprof/libcprof.so"
cp "$CPROFRUN" "$T/none/cprofrun"
env -u CPROF_LIB "$T/tree/cprofrun" sh -c 'echo "$LD_PRELOAD"' >"$T/tree.out" 2>"$T/tree.err"
status=$?
expect_status "library beside cprofrun" 0
has "library beside cprofrun: LD_PRELOAD" "$T/tree.out" "$T/tree/libcprof.so"
env -u CPROF_LIB "$T/prefix/bin/cprofrun" sh -c 'echo "$LD_PRELOAD"' >"$T/inst.out" 2>"$T/inst.err"
status=$?
expect_status "installed layout" 0
has "installed layout: LD_PRELOAD" "$T/inst.out" "$T/prefix/lib/cprof/libcprof.so"
env -u CPROF_LIB "$T/none/cprofrun" true >"$T/none.out" 2>"$T/none.err"
status=$?
expect_status "no library anywhere" 2
has "no library: the message" "$T/none.err" \
	"cprofrun: cannot find libcprof.so at '$T/none/libcprof.so' or '$T/none/../lib/cprof/libcprof.so' (set CPROF_LIB)"
finish
