#!/usr/bin/env bash
# Labels (cprof.h, Go's pprof.Do): in tests/progs/cprof_example, requests run in labelled
# regions; CPU samples taken inside carry the region's labels and no others: nested
# regions inherit and override, threads start in their creator's set, code outside any
# region has no request label, and go tool pprof -tagfocus=request=checkout keeps the
# checkout code and nothing else. The heap profile carries the same labels. The same from
# C++ with cprof::label_scope.
. tests/lib.sh
need go

f=$T/cpu.prof
run_cprof "$T/run" -cpu="$f" -hz=1000 "$PROGS/cprof_example" 40
expect_status "cprof_example" 0
check "the program saw its labels (main labels: component=server)" \
	grep -qx 'main labels: component=server' "$T/run.out"
check "restoring leaves main with no labels" grep -qx 'main labels after restore: 0' "$T/run.out"
check "our decoder reads the profile" pdump_ok "$f"
check "go tool pprof reads it without a warning" pprof_ok "$f"

# labels_of FUNC: the distinct label sets (thread and tid left out) of samples whose leaf
# caller chain holds FUNC, one per line.
labels_of() {
	awk -F' [|] ' -v fn="$1" '/^sample: / {
		n = split(substr($3, 8), fr, ";"); hit = 0
		for (k = 1; k <= n; k++) { f = fr[k]; sub(/ .*/, "", f); if (f == fn) hit = 1 }
		if (!hit) next
		m = split(substr($2, 8), l, " "); s = ""
		for (k = 1; k <= m; k++) if (l[k] !~ /^(thread|tid|worker)=/) s = s " " l[k]
		print s
	}' "$f.dump" | tr ' ' '\n' | grep . | sort | uniq -c | awk '{ print $2 }' | tr '\n' ' '
}
# sets_of FUNC: each distinct label set of FUNC's samples, sorted, one per line.
sets_of() {
	awk -F' [|] ' -v fn="$1" '/^sample: / {
		n = split(substr($3, 8), fr, ";"); hit = 0
		for (k = 1; k <= n; k++) { f = fr[k]; sub(/ .*/, "", f); if (f == fn) hit = 1 }
		if (!hit) next
		m = split(substr($2, 8), l, " "); s = ""
		for (k = 1; k <= m; k++) if (l[k] !~ /^(thread|tid|worker)=/) s = s " " l[k]
		print s
	}' "$f.dump" | sort -u
}

for fn in example_checkout example_pay example_refund example_browse example_idle; do
	check "$fn has samples" test "$(sum_where "$f" samples "^$fn\$")" -gt 0
done
check "checkout, outside its nested regions: component=server request=checkout" \
	test "$(sets_of example_checkout | grep -v 'step=\|request=refund' | sort -u)" = " component=server request=checkout"
check "pay: a nested region inherits (request=checkout) and adds (step=pay)" \
	test "$(sets_of example_pay)" = " component=server request=checkout step=pay"
check "refund: a nested region overrides (request=refund)" \
	test "$(sets_of example_refund)" = " component=server request=refund"
check "browse: request=browse" test "$(sets_of example_browse)" = " component=server request=browse"
check "idle: outside every region, only the thread's own labels" \
	test "$(sets_of example_idle)" = " component=server"
check "every worker sample has its worker label (SetGoroutineLabels)" \
	awk -F' [|] ' '/^sample: / && $3 ~ /;worker / && $2 !~ / worker=[01] / { bad = 1 } END { exit bad }' "$f.dump"
check "no request label on a sample outside the request functions" \
	awk -F' [|] ' '/^sample: / && $2 ~ /request=/ && $3 !~ /example_(checkout|browse)/ { bad = 1 } END { exit bad }' "$f.dump"

go tool pprof -top -nodefraction=0 -nodecount=0 -tagfocus=request=checkout "$f" >"$f.focus" 2>&1
check "-tagfocus=request=checkout: example_checkout and example_pay are there" \
	sh -c "grep -q ' example_checkout\$' '$f.focus' && grep -q ' example_pay\$' '$f.focus'"
check "-tagfocus=request=checkout: browse, idle and refund are not" \
	sh -c "! grep -qE ' example_(browse|idle|refund)\$' '$f.focus'"
go tool pprof -top -nodefraction=0 -nodecount=0 -tagfocus=step=pay "$f" >"$f.pay" 2>&1
check "-tagfocus=step=pay: only the pay code" \
	sh -c "grep -q ' example_pay\$' '$f.pay' && ! grep -qE ' example_(browse|idle|refund)\$' '$f.pay'"
go tool pprof -tags "$f" >"$f.tags" 2>&1
check "go tool pprof -tags lists request, step, worker and component" \
	sh -c "grep -q '^ request: Total' '$f.tags' && grep -q '^ step: Total' '$f.tags' && grep -q '^ worker: Total' '$f.tags' && grep -q '^ component: Total' '$f.tags'"
# The heap profile carries the same labels: every allocation, counted exactly
# (-memrate=1), is in the label set it was made in. Sockets are opened only by checkout,
# files by checkout and by browse, as many of each (2 workers x 40 requests).
h=$T/heap.prof
run_cprof "$T/heap" -heap="$h" -memrate=1 "$PROGS/cprof_example" 40
expect_status "cprof_example with -heap" 0
check "the heap profile is readable" pdump_ok "$h"
check "go tool pprof reads it without a warning" pprof_ok "$h"
# allocs_where FUNC LABEL: alloc_objects of samples through FUNC with that label.
allocs_where() {
	awk -F' [|] ' -v fn="$1" -v lb="$2" '/^sample: / && (" " $2 " ") ~ (" " lb " ") {
		n = split(substr($3, 8), fr, ";"); hit = 0
		for (k = 1; k <= n; k++) { f = fr[k]; sub(/ .*/, "", f); if (f == fn) hit = 1 }
		if (hit) { split(substr($1, 9), v, " "); s += v[1] }
	} END { printf "%.0f\n", s }' "$h.dump"
}
check "sockets: all 80 under request=checkout" test "$(allocs_where example_open_socket request=checkout)" -eq 80
check "sockets: none under request=browse" test "$(allocs_where example_open_socket request=browse)" -eq 0
check "files: 80 under request=checkout" test "$(allocs_where example_open_file request=checkout)" -eq 80
check "files: 80 under request=browse" test "$(allocs_where example_open_file request=browse)" -eq 80
go tool pprof -top -nodefraction=0 -nodecount=0 -sample_index=alloc_objects -tagfocus=request=browse "$h" >"$h.focus" 2>&1
check "heap, -tagfocus=request=browse: the browse allocations and no socket" \
	sh -c "grep -q ' example_open_file\$' '$h.focus' && ! grep -q ' example_open_socket\$' '$h.focus'"

# C++: cprof::label_scope, a region for the life of a scope.
g=$T/cc.prof
run_cprof "$T/cc" -cpu="$g" "$PROGS/labels_cc"
expect_status "labels_cc" 0
check "C++: in a set inside the scope, none after" grep -qE '^labels [1-9][0-9]* inside, 0 after$' "$T/cc.out"
check "C++: the profile is readable" pdump_ok "$g"
check "C++: the scoped code carries lang=c++" \
	test "$(grep '^sample: ' "$g.dump" | grep 'labels_cc_scoped' | grep -vc ' lang=c++ ')" -eq 0
check "C++: the code after the scope does not" \
	test "$(grep '^sample: ' "$g.dump" | grep 'labels_cc_outside' | grep -c ' lang=')" -eq 0
check "C++: both have samples" sh -c "grep -q labels_cc_scoped '$g.dump' && grep -q labels_cc_outside '$g.dump'"
finish
