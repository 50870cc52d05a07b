#!/usr/bin/env bash
# A custom profile (cprof.h, Go's NewProfile/Add/Remove/Count): tests/progs/cprof_example
# tracks the handles its workers open and close; -profile=handles=FILE writes, at exit,
# the handles still open, counted by the stack that opened them (sockets leaked from
# checkout, files from browse), with Go's sample type handles/count; Count agrees; the
# API refuses a second profile of the same name and a reserved name, and a second Add of
# one key; Go's debug=1 text of the profile is read by go tool pprof. Without cprof the
# program, linked against nothing of cprof's, runs the same with every call a no-op.
. tests/lib.sh
need go

f=$T/handles.prof
run_cprof "$T/run" -profile=handles="$f" -profile=nosuch="$T/nosuch.prof" "$PROGS/cprof_example" 40 "$T/handles.txt"
expect_status "cprof_example" 0
check "Count: 36 handles left open, as the program expected" grep -qx 'handles 36 expected 36' "$T/run.out"
check "NewProfile of a taken name is refused" grep -qx 'new handles again: refused' "$T/run.out"
check "NewProfile of a reserved name (heap) is refused" grep -qx 'reserved name: refused' "$T/run.out"
check "Lookup finds the profile" grep -qx 'lookup: same' "$T/run.out"
check "a second Add of a key is -EEXIST; Remove then -ENOENT" \
	sh -c "grep -qx 'add twice: 0 -17' '$T/run.out' && grep -qx 'remove twice: 0 -2' '$T/run.out'"
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
check "sample type handles/count" grep -qx 'sample_types: handles/count\[dflt\]' "$f.dump"
check "period type handles/count" grep -qx 'period_type: handles/count' "$f.dump"
check "36 in all" test "$(total "$f" handles)" -eq 36
check "20 sockets, opened in checkout" \
	test "$(sum_where "$f" handles '^example_open_socket$' '^example_checkout$')" -eq 20
check "16 files, opened in browse" \
	test "$(sum_where "$f" handles '^example_open_file$' '^example_browse$')" -eq 16
check "none of the files checkout opened (all closed)" \
	test "$(sum_where "$f" handles '^example_open_file$' '^example_checkout$')" -eq 0
check "stacks start in the function that called cprof_profile_add" \
	test "$(frames_of "$f" | cut -d';' -f1 | sort -u | tr '\n' ' ')" = "example_open_file example_open_socket "
# (cprof_labels_do, cprof.h's pprof.Do, is the program's: it calls the program's function.)
check "no frame of cprof's own" \
	sh -c "! grep '^sample: ' '$f.dump' | grep -qE '(frames |;)(handler_sig|thread_start|unwind_|sigs_|custom_|cprof_profile|cprof__)'"
check "cprofrun reports it" grep -q "handles profile: $f (2 samples, 36 handles)" "$T/run.err"
check "a profile the program never made: one line, and no file" \
	sh -c "grep -q \"^cprof: the program made no profile named 'nosuch'\" '$T/run.err' && test ! -e '$T/nosuch.prof'"
check "Go's debug=1 text: written" grep -qx 'write text: 0' "$T/run.out"
check "Go's debug=1 text: header" grep -qx 'handles profile: total 36' "$T/handles.txt"
go tool pprof -raw "$T/handles.txt" >"$T/handles.raw" 2>&1
check "Go's debug=1 text: go tool pprof reads it, handles/count" grep -qx 'handles/count' "$T/handles.raw"

"$PROGS/cprof_example" 40 "$T/none.txt" >"$T/plain.out" 2>"$T/plain.err"
check "without cprof: runs (exit 0)" test $? -eq 0
check "without cprof: not linked against libcprof.so" sh -c "! ldd '$PROGS/cprof_example' | grep -q cprof"
check "without cprof: every call is a no-op" test "$(cat "$T/plain.out")" = "$(printf '%s\n' \
	'enabled 0' 'new handles: (none)' 'new handles again: refused' 'lookup: none' \
	'reserved name: refused' 'main labels after restore: 0' 'add twice: 0 0' \
	'remove twice: 0 0' 'handles 0 expected 0' 'write text: -38')"
check "without cprof: nothing on stderr" test ! -s "$T/plain.err"
finish
