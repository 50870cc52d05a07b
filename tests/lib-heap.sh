# tests/lib-heap.sh: helpers for the heap and allocs tests (t2xxx), sourced after lib.sh.

# expect_exact FILE OUT: for each "expect FUNC calls N bytes B live_objects K live_bytes L"
# line the program printed to OUT, the samples whose stack holds FUNC add up to exactly
# N alloc_objects, B alloc_space, K inuse_objects and L inuse_space (FILE.dump must exist).
expect_exact() {
	local f=$1 out=$2 fn calls bytes lo lb got n=0
	while read -r _ fn _ calls _ bytes _ lo _ lb; do
		n=$((n + 1))
		got="$(sum_where "$f" alloc_objects "^$fn\$") $(sum_where "$f" alloc_space "^$fn\$")"
		got="$got $(sum_where "$f" inuse_objects "^$fn\$") $(sum_where "$f" inuse_space "^$fn\$")"
		if [ "$got" = "$calls $bytes $lo $lb" ]; then
			ok "$fn: $calls objects, $bytes bytes allocated; $lo objects, $lb bytes in use"
		else
			bad "$fn: alloc_objects alloc_space inuse_objects inuse_space are $got, want $calls $bytes $lo $lb"
		fi
	done < <(grep '^expect ' "$out")
	[ "$n" -gt 0 ] || bad "the program printed no expectations"
}

# heap_types_ok FILE [DEFAULT]: Go's heap sample types in Go's order, period type
# space/bytes, and DEFAULT marked as the default sample type, or none marked (then
# pprof takes the last, inuse_space, as for Go's heap profile). Reads FILE.raw (pprof -raw).
heap_types_ok() {
	local want="alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes"
	[ $# -gt 1 ] && want=${want/$2\/bytes/$2/bytes[dflt]}
	grep -Fqx "$want" "$1.raw" && grep -qx 'PeriodType: space bytes' "$1.raw"
}

# no_heap_cprof_frames FILE: no frame of cprof's wrappers or sampler in FILE.dump.
no_heap_cprof_frames() {
	! frames_of "$1" | tr ';' '\n' |
		grep -Eq '^(heap_|record_sig|resize_sig|forget_sig|unwind_|malloc$|calloc$|realloc$|free$|_Znwm$|_Znam$)'
}

# wait_for FILE [SECONDS]: waits until FILE exists (default 20 s); false on time-out.
wait_for() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# no_drops FILE: cprof recorded every allocation it sampled (FILE.dump has no comment
# saying that some are missing).
no_drops() {
	! grep -q '^comment: cprof: .* sampled allocations are missing' "$1.dump"
}
