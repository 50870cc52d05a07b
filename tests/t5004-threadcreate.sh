#!/usr/bin/env bash
# The threadcreate profile (-threadcreate=FILE): the stacks that created threads, counted
# per call site: 5 from one site, 3 from another, 2 inside a shared library, none for a
# pthread_create that failed; from C++, std::thread's constructor through libstdc++.
# Go's sample type threadcreate/count, no labels.
. tests/lib.sh
need go

f=$T/tc.prof
run_cprof "$T/run" -threadcreate="$f" "$PROGS/threadcreate"
expect_status "threadcreate" 0
check "the program created 5, 3 and 2 threads, and one creation failed" \
	grep -qE '^created 5 3 2 failed [A-Z]' "$T/run.out"
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"
check "sample type threadcreate/count" grep -qx 'sample_types: threadcreate/count\[dflt\]' "$f.dump"
check "period type threadcreate/count" grep -qx 'period_type: threadcreate/count' "$f.dump"
check "site a: 5" test "$(sum_where "$f" threadcreate '^threadcreate_site_a$')" -eq 5
check "site b: 3" test "$(sum_where "$f" threadcreate '^threadcreate_site_b$')" -eq 3
check "inside the library: 2" test "$(sum_where "$f" threadcreate '^threadlib_spawn_site$')" -eq 2
check "the failed creation is not counted" test "$(sum_where "$f" threadcreate '^threadcreate_fail$')" -eq 0
check "10 threads in all" test "$(total "$f" threadcreate)" -eq 10
first=$(frames_of "$f" | cut -d';' -f1 | sort -u | tr '\n' ' ')
check "each stack starts at the caller of pthread_create ($first)" \
	test "$first" = "threadcreate_site_a threadcreate_site_b threadlib_spawn_site "
check "no labels (Go writes none on this profile)" \
	awk -F' [|] ' '/^sample: / && $2 != "labels" { bad = 1 } END { exit bad }' "$f.dump"
check "no frame of cprof's own" no_cprof_frames "$f"
check "cprofrun reports it" grep -q "threadcreate profile: $f (3 samples, 10 threadcreate)" "$T/run.err"

g=$T/cc.prof
run_cprof "$T/cc" -threadcreate="$g" "$PROGS/threadcreate_cc"
expect_status "threadcreate_cc" 0
check "C++: the profile is readable" pdump_ok "$g"
check "C++: the 4 std::thread objects, created in threadcreate_cxx" \
	test "$(sum_where "$g" threadcreate '^threadcreate_cxx\(\)$')" -eq 4
check "C++: through std::thread's start" \
	test "$(sum_where "$g" threadcreate '^std::thread::_M_start_thread')" -eq 4
finish
