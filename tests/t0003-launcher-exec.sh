#!/usr/bin/env bash
# Running the program as a shell would: execvp's PATH search and its /bin/sh fallback for
# a script without "#!", the shell's 127 and 126 when it cannot run, the program's own
# exit status, 128+N and one line when a signal killed it, arguments, stdin and stdout
# untouched, and a closed descriptor left closed.
. tests/lib.sh
need gcc

printf 'int cprof_stub;\n' | gcc -shared -fPIC -x c - -o "$T/libstub.so" || broken "cannot build a stub library"
export CPROF_LIB=$T/libstub.so

# one_line NAME FILE WANT: FILE holds exactly the line WANT.
one_line() {
	if [ "$(wc -l <"$2")" -eq 1 ] && [ "$(cat "$2")" = "$3" ]; then ok "$1"; else
		bad "$1: got '$(head -3 "$2")', want '$3'"; fi
}

for code in 0 1 3 42 255; do
	run_cprof "$T/x" sh -c "exit $code"
	expect_status "exit $code comes back" "$code"
	check "exit $code: cprofrun says nothing" test ! -s "$T/x.err"
done
ulimit -c 0	# no core file in the tree
run_cprof "$T/segv" sh -c 'kill -SEGV $$'
expect_status "killed by SIGSEGV" 139
if grep -qxE 'cprofrun: sh: killed by signal 11 \(Segmentation fault\)( \(core dumped\))?' "$T/segv.err" &&
	[ "$(wc -l <"$T/segv.err")" -eq 1 ]; then ok "SIGSEGV: one line"; else bad "SIGSEGV: $(cat "$T/segv.err")"; fi
run_cprof "$T/kill" sh -c 'kill -KILL $$'
expect_status "killed by SIGKILL" 137
one_line "SIGKILL: the line" "$T/kill.err" "cprofrun: sh: killed by signal 9 (Killed)"

cd "$T" || broken "cd"
mkdir dir
printf 'echo text\n' >noexec
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000' >badelf
printf 'echo "no-shebang $0 $1"\n' >noshebang
: >empty
printf '#!/bin/sh\necho "in-path $0 $#"\n' >inpath
chmod +x badelf noshebang empty inpath
cd "$ROOT" || broken "cd"

run_cprof "$T/nf" no-such-command-cprof
expect_status "command not found" 127
one_line "command not found: the line" "$T/nf.err" "cprofrun: no-such-command-cprof: command not found"
run_cprof "$T/nf2" "$T/no-such-file"
expect_status "a path that does not exist" 127
one_line "no such file: the line" "$T/nf2.err" "cprofrun: $T/no-such-file: No such file or directory"
run_cprof "$T/dir" "$T/dir"
expect_status "a directory" 126
one_line "a directory: the line" "$T/dir.err" "cprofrun: $T/dir: Is a directory"
run_cprof "$T/nx" "$T/noexec"
expect_status "a file without x permission" 126
one_line "not executable: the line" "$T/nx.err" "cprofrun: $T/noexec: Permission denied"
run_cprof "$T/bad" "$T/badelf"
expect_status "a binary the kernel cannot run" 126
one_line "exec format error: the line" "$T/bad.err" "cprofrun: $T/badelf: Exec format error"
run_cprof "$T/nosb" "$T/noshebang" arg
expect_status "a script without #! runs under /bin/sh" 0
one_line "no #!: /bin/sh got the script and its argument" "$T/nosb.out" "no-shebang $T/noshebang arg"
run_cprof "$T/empty" "$T/empty"
expect_status "an empty executable file" 0
PATH=$T:$PATH run_cprof "$T/path" inpath a b
expect_status "found in PATH" 0
one_line "found in PATH: argv[0] as given, arguments passed" "$T/path.out" "in-path $T/inpath 2"
PATH=$T:$PATH run_cprof "$T/pathnx" noexec
expect_status "in PATH without x permission" 126
one_line "in PATH without x: the line" "$T/pathnx.err" "cprofrun: noexec: Permission denied"

run_cprof "$T/args" sh -c 'printf "[%s]" "$@"; echo' zero 'a b' '' '*' '-cpu=x'
one_line "arguments pass unchanged" "$T/args.out" "[a b][][*][-cpu=x]"
printf 'line one\nline two\n' >"$T/stdin"
"$CPROFRUN" sh -c 'cat; exit 4' <"$T/stdin" >"$T/cat.out" 2>"$T/cat.err"
status=$?
expect_status "stdin reaches the program" 4
check "stdin reaches the program: the text" cmp -s "$T/stdin" "$T/cat.out"
"$CPROFRUN" sh -c 'if [ -e /proc/$$/fd/0 ]; then echo open; else echo closed; fi' <&- >"$T/closed.out" 2>"$T/closed.err"
status=$?
one_line "a closed stdin stays closed in the program" "$T/closed.out" "closed"
finish
