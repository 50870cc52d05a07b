#!/usr/bin/env bash
# C++ exceptions thrown and caught in two threads while cprof samples at -hz=1000: the
# program runs to the end with its own result, and C++ names in the profile are
# demangled (the mangled name kept as the system name).
. tests/lib.sh

f=$T/exc.prof
run_cprof "$T/run" -cpu="$f" -hz=1000 "$PROGS/cpu_exceptions" 1500
expect_status "cpu_exceptions" 0
caught=$(awk '$1 == "caught" { print $2 }' "$T/run.out")
check "exceptions were thrown and caught (${caught:-0})" test "${caught:-0}" -gt 1000
check "our decoder reads the profile" pdump_ok "$f"
check "exceptions_thrower has samples" sh -c "grep -q 'exceptions_thrower' '$f.dump'"
check "C++ functions carry a demangled name and their mangled system name" \
	grep -Eq '^function: [0-9]+ name=[^ ]*exceptions_thrower\(int\) system_name=_Z' "$f.dump"
check "the libgcc unwinder shows up (the profile sees exception handling)" \
	grep -Eq 'name=_Unwind_|name=__gxx_personality|name=_Unwind_RaiseException' "$f.dump"
if command -v go >/dev/null; then
	check "go tool pprof reads it without a warning" pprof_ok "$f"
fi
finish
