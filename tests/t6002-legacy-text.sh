#!/usr/bin/env bash
# Go's text formats (encoder/legacy.c): for fixed count (goroutine, custom), heap, block
# and mutex profiles, go tool pprof reads the debug=1 text and finds exactly the samples
# (values and addresses) it finds in the protobuf the text was made from; the text is
# aligned as Go's text/tabwriter aligns it; the thread dump has no record pprof could
# take for a profile (it is for humans).
. tests/lib.sh
need go
need_built "$B/tests/unit/legacy_test"

"$B/tests/unit/legacy_test" "$T/out" >"$T/unit.log" 2>&1 || { cat "$T/unit.log"; bad "legacy_test failed"; }

# samples FILE: "values | addresses" per sample, sorted, from go tool pprof -raw.
samples() {
	go tool pprof -raw -symbolize=none "$1" 2>"$1.err" | awk '
		/^Samples:/ { s = 1; next }
		/^Locations/ { s = 0; l = 1; next }
		/^Mappings/ { l = 0 }
		s && /^[a-z_]+\/[a-z]+/ { types = $0; next }
		s && /:/ && !/:\[/ { split($0, a, ":"); v = a[1]; gsub(/^ +| +$/, "", v); gsub(/ +/, " ", v)
			ids[++n] = a[2]; vals[n] = v }
		l && /^ +[0-9]+: 0x/ { id = $1; sub(/:/, "", id); addr[id] = $2 }
		END {
			print "types " types
			for (i = 1; i <= n; i++) {
				k = split(ids[i], x, " "); s = ""
				for (j = 1; j <= k; j++) s = s " " addr[x[j]]
				print vals[i] " |" s
			}
		}' | sort
}

for name in goroutine custom heap heap_equal block mutex; do
	txt=$T/out/$name.txt pb=$T/out/$name.pb.gz
	if go tool pprof -raw -symbolize=none "$txt" >"$txt.raw" 2>"$txt.err"; then
		ok "$name: go tool pprof reads the text"
	else
		bad "$name: go tool pprof cannot read the text: $(head -2 "$txt.err")"
		continue
	fi
	samples "$txt" >"$txt.samples"
	samples "$pb" >"$pb.samples"
	check "$name: it has samples" test "$(wc -l <"$txt.samples")" -gt 1
	if cmp -s "$txt.samples" "$pb.samples"; then
		ok "$name: same sample types, values and addresses as the protobuf"
	else
		bad "$name: text and protobuf differ"
		diff "$pb.samples" "$txt.samples" | head -10 | sed 's/^/#   /'
	fi
	tr -s '\t' <"$txt" | go run tests/tools/tabwriter.go >"$txt.go" 2>"$txt.go.err"
	check "$name: aligned exactly as Go's tabwriter aligns it" cmp -s "$txt" "$txt.go"
done
check "heap_equal: the header's alloc bytes differ from in-use, so pprof keeps four columns" \
	grep -q '^alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes$' "$T/out/heap_equal.txt.raw"
check "goroutine: the three workers are one sample of 3" grep -q '^3 | ' "$T/out/goroutine.txt.samples"
check "the thread dump is not a profile go tool pprof accepts" \
	sh -c "! go tool pprof -raw '$T/out/threads.txt' >/dev/null 2>&1"
finish
