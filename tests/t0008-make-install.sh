#!/usr/bin/env bash
# make install with PREFIX and DESTDIR puts cprofrun, libcprof.so (where the installed
# cprofrun finds it), cprof.h and the man page in place; the installed cprofrun profiles a
# program with the installed library.
. tests/lib.sh

root=$T/root
make -s install DESTDIR="$root" PREFIX=/opt/cprof >"$T/install.out" 2>&1
check "make install succeeds" test $? -eq 0
for f in bin/cprofrun lib/cprof/libcprof.so include/cprof.h share/man/man1/cprofrun.1; do
	check "installed $f" test -s "$root/opt/cprof/$f"
done
"$root/opt/cprof/bin/cprofrun" -cpu="$T/p.prof" sh -c 'echo "$LD_PRELOAD"' >"$T/run.out" 2>"$T/run.err"
check "the installed cprofrun runs the program" test $? -eq 0
check "... with the installed library" grep -qx "$root/opt/cprof/lib/cprof/libcprof.so" "$T/run.out"
check "... and reports the profile" grep -q 'cpu profile:' "$T/run.err"
make -s uninstall DESTDIR="$root" PREFIX=/opt/cprof >/dev/null 2>&1
check "make uninstall removes them" test ! -e "$root/opt/cprof/bin/cprofrun" -a ! -e "$root/opt/cprof/lib/cprof"
finish
