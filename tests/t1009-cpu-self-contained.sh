#!/usr/bin/env bash
# Profiles carry their own symbols: mapping 1 is the main executable with its exact
# /proc/self/maps triple and its GNU build id, functions have file and line (so
# go tool pprof -list shows source), and the profile reads the same, with no warning,
# after the binary is gone (on another machine). Samples in a PLT stub are named as perf
# and objdump name them (abs@plt), so that the executable's mapping still has every
# function named and go tool pprof does not look for the binary.
. tests/lib.sh
need go readelf

cp "$PROGS/cpu_fractions" "$T/app"
f=$T/app.prof
run_cprof "$T/run" -cpu="$f" "$T/app" 1000
expect_status "a copy of cpu_fractions" 0
check "our decoder reads the profile" pdump_ok "$f"
id=$(readelf -n "$T/app" | awk '/Build ID:/ { print $3 }')
echo "# $(grep '^mapping: 1 ' "$f.dump")"
check "mapping 1 is the executable with its build id ($id)" \
	grep -Eq "^mapping: 1 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ file=$T/app build_id=$id flags=\\[FN\\]" "$f.dump"
check "mapping 1's offset is the executable segment's file offset (not 0)" \
	grep -Eq '^mapping: 1 0x[0-9a-f]+/0x[0-9a-f]+/0x[1-9a-f][0-9a-f]* ' "$f.dump"
check "libc has a mapping with its build id" grep -Eq '^mapping: [0-9]+ .*libc\.so\.6 build_id=[0-9a-f]{40}' "$f.dump"
check "functions have source files and lines" \
	grep -Eq '^function: [0-9]+ name=fractions_fifty system_name=fractions_fifty file=.*cpu_fractions\.c' "$f.dump"
check "go tool pprof reads it without a warning" pprof_ok "$f"
go tool pprof -list fractions_thirty "$f" >"$T/list" 2>"$T/list.err"
check "go tool pprof -list shows the source of fractions_thirty" \
	grep -q 'BURN_NS(ns);' "$T/list"
rm -f "$T/app"
go tool pprof -top "$f" >"$T/gone.top" 2>"$T/gone.err"
check "with the binary gone, go tool pprof still names the functions" \
	grep -q ' fractions_fifty$' "$T/gone.top"
check "... and prints no warning" test ! -s "$T/gone.err"
if [ -s "$T/gone.err" ]; then sed "s/^/# /" "$T/gone.err"; fi
cp "$PROGS/cpu_plt" "$T/plt"
f=$T/plt.prof
run_cprof "$T/plt-run" -cpu="$f" -hz=1000 "$T/plt" 2000
expect_status "cpu_plt" 0
check "cpu_plt: our decoder reads the profile" pdump_ok "$f"
stub=$(sum_where "$f" cpu '^abs@plt$' '^plt_loop$')
check "cpu_plt: samples in the PLT stub are abs@plt, called from plt_loop ($stub ns)" \
	test "${stub:-0}" -gt 0
check "cpu_plt: the executable's mapping has all its functions" \
	grep -Eq "^mapping: 1 .* file=$T/plt build_id=[0-9a-f]+ flags=\\[FN\\]" "$f.dump"
rm -f "$T/plt"
go tool pprof -top "$f" >"$T/plt.top" 2>"$T/plt.err"
check "cpu_plt: with the binary gone, go tool pprof lists abs@plt" grep -q ' abs@plt$' "$T/plt.top"
check "cpu_plt: ... and prints no warning" test ! -s "$T/plt.err"
finish
