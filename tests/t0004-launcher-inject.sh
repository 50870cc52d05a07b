#!/usr/bin/env bash
# Programs LD_PRELOAD cannot reach are refused before they run (exit 2, one line): static
# executables (static-pie too), scripts with such an interpreter, and exec's secure mode
# (setuid, setgid, file capabilities for a caller other than root). Each refusal is checked
# against the kernel's own answer: the probe prints getauxval(AT_SECURE) when run directly.
. tests/lib.sh
need gcc

printf 'int cprof_stub;\n' | gcc -shared -fPIC -x c - -o "$T/libstub.so" || broken "cannot build a stub library"
export CPROF_LIB=$T/libstub.so
cat >"$T/probe.c" <<'C'
#include <stdio.h>
#include <sys/auxv.h>
int main(void) { printf("AT_SECURE=%lu\n", getauxval(AT_SECURE)); return 0; }
C
gcc -o "$T/probe" "$T/probe.c" || broken "cannot build the probe"

# one_line NAME FILE WANT: FILE holds exactly the line WANT.
one_line() {
	if [ "$(wc -l <"$2")" -eq 1 ] && [ "$(cat "$2")" = "$3" ]; then ok "$1"; else
		bad "$1: got '$(head -3 "$2")', want '$3'"; fi
}

# refused NAME FILE WANT-REASON [RUNNER...]: cprofrun FILE exits 2 with the line, no output.
refused() {
	local name=$1 file=$2 why=$3
	shift 3
	"$@" "$CPROFRUN" "$file" >"$T/r.out" 2>"$T/r.err"
	status=$?
	expect_status "$name: refused" 2
	one_line "$name: the line" "$T/r.err" "cprofrun: cannot profile '$file': $why"
	check "$name: the program did not run" test ! -s "$T/r.out"
}

# runs NAME FILE WANT-OUTPUT [RUNNER...]: cprofrun FILE runs it; its stdout is the line.
runs() {
	local name=$1 file=$2 want=$3
	shift 3
	"$@" "$CPROFRUN" "$file" >"$T/r.out" 2>"$T/r.err"
	status=$?
	expect_status "$name: runs" 0
	one_line "$name: its output" "$T/r.out" "$want"
}

# kernel NAME WANT COMMAND...: run directly, COMMAND prints the line WANT.
kernel() {
	local name=$1 want=$2
	shift 2
	"$@" >"$T/k.out" 2>&1
	one_line "kernel: $name" "$T/k.out" "$want"
}

static='statically linked, so LD_PRELOAD cannot load libcprof.so'
secure='(secure-execution mode ignores LD_PRELOAD)'

runs "dynamic executable" "$T/probe" "AT_SECURE=0"
if gcc -static -o "$T/static" "$T/probe.c" 2>/dev/null; then
	refused "static executable" "$T/static" "$static"
	printf '#!%s\n' "$T/static" >"$T/script"
	chmod +x "$T/script"
	refused "script with a static interpreter" "$T/script" "its interpreter '$T/static' is $static"
	printf '#!%s\n' "$T/script" >"$T/script2"
	chmod +x "$T/script2"
	refused "script with a script interpreter" "$T/script2" "its interpreter '$T/static' is $static"
else
	echo "[Skipped: gcc -static does not work (libc6-dev's libc.a?)]"
fi
if gcc -static-pie -o "$T/spie" "$T/probe.c" 2>/dev/null; then
	refused "static-pie executable" "$T/spie" "$static"
else
	echo "[Skipped: gcc -static-pie does not work]"
fi
printf '#! /bin/sh -e\necho script-ran\n' >"$T/dynscript"
chmod +x "$T/dynscript"
runs "script with a dynamic interpreter" "$T/dynscript" "script-ran"
ldso=$(readelf -l "$T/probe" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$ldso" ]; then
	"$CPROFRUN" "$ldso" "$T/probe" >"$T/ldso.out" 2>"$T/ldso.err"
	status=$?
	expect_status "ld.so run as the program" 0
	one_line "ld.so run as the program: the probe ran" "$T/ldso.out" "AT_SECURE=0"
fi

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	echo "[Skipped: the set-id and capability checks need root and setpriv]"
	finish
fi
chmod 755 "$T"
# A copy nobody can reach wherever the tree is (a fresh clone may sit in a 0700 folder);
# it finds its library through CPROF_LIB.
cp "$CPROFRUN" "$T/cprofrun" || broken "cannot copy cprofrun"
CPROFRUN=$T/cprofrun
nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
$nobody test -x "$CPROFRUN" -a -r "$T/libstub.so" || broken "user nobody cannot run $CPROFRUN"
if findmnt -no OPTIONS -T "$T" | grep -qw nosuid; then
	skip "$T is on a nosuid file system"
fi

cp "$T/probe" "$T/suid"
chown nobody:nogroup "$T/suid"
chmod 4755 "$T/suid"
kernel "setuid nobody run by root is secure" "AT_SECURE=1" "$T/suid"
refused "setuid nobody, caller root" "$T/suid" "it is setuid $secure"
kernel "setuid nobody run by nobody is not secure" "AT_SECURE=0" $nobody "$T/suid"
runs "setuid nobody, caller nobody" "$T/suid" "AT_SECURE=0" $nobody

cp "$T/probe" "$T/suidroot"
chmod 4755 "$T/suidroot"
runs "setuid root, caller root" "$T/suidroot" "AT_SECURE=0"
refused "setuid root, caller nobody" "$T/suidroot" "it is setuid $secure" $nobody

cp "$T/probe" "$T/sgid"
chown root:nogroup "$T/sgid"
chmod 2755 "$T/sgid"
kernel "setgid nogroup run by root is secure" "AT_SECURE=1" "$T/sgid"
refused "setgid nogroup, caller root" "$T/sgid" "it is setgid $secure"
runs "setgid nogroup, caller nogroup" "$T/sgid" "AT_SECURE=0" $nobody
chmod 2745 "$T/sgid"
runs "S_ISGID without group x (not setgid)" "$T/sgid" "AT_SECURE=0"

printf '#!%s\n' "$T/suid" >"$T/suidscript"
chmod 755 "$T/suidscript"
refused "script with a setuid interpreter" "$T/suidscript" "its interpreter '$T/suid' is setuid $secure"
chmod 4755 "$T/dynscript"
runs "a setuid script (the kernel ignores the bit)" "$T/dynscript" "script-ran"

if command -v setcap >/dev/null && cp "$T/probe" "$T/cap" && setcap cap_net_raw+ep "$T/cap" 2>/dev/null; then
	kernel "file capabilities run by root are not secure" "AT_SECURE=0" "$T/cap"
	runs "file capabilities, caller root" "$T/cap" "AT_SECURE=0"
	kernel "file capabilities run by nobody are secure" "AT_SECURE=1" $nobody "$T/cap"
	refused "file capabilities, caller nobody" "$T/cap" "it has file capabilities $secure" $nobody
else
	echo "[Skipped: setcap is missing or $T has no security xattrs]"
fi
finish
