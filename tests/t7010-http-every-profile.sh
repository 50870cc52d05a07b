#!/usr/bin/env bash
# go tool pprof fetches every named profile a Go server serves, as protobuf, from a
# program run with -http alone (no -heap, -mutex or -block: the server collects them from
# the start, at the flags' default rates): heap, allocs, block, mutex, goroutine (the
# threads profile) and threadcreate, each with Go's sample types and the program's own
# functions in it; then the delta of each (go tool pprof -seconds 2: Go's
# NAME?seconds=2), which covers the window asked for and holds what happened in it (the
# heap grew in every_grow). A custom profile serves at its name, and its delta is
# refused with 400, as Go refuses it for profiles that are not its own. Block and mutex
# samples carry the labels of the region they were taken in, and the program lists its
# custom profiles sorted by name (cprof.h, Go's Profiles).
. tests/lib.sh
. tests/http.sh
need go

http_start run -http=127.0.0.1:0 "$PROGS/http_every" "$T/stop"
sleep 2
cd "$T" || broken "no $T"

# get KIND [pprof args...]: go tool pprof -raw of KIND; the saved profile's path in $saved.
get() {
	local k=$1
	shift
	go tool pprof -raw "$@" "$URL/debug/pprof/$k" >"$k.raw" 2>"$k.err"
	saved=$(sed -n 's/^Saved profile in //p' "$k.err")
	[ -s "$saved" ] && pdump_ok "$saved"
}

# kind KIND TYPES FUNCTION: fetches KIND, checks its sample types and that FUNCTION has
# a non-zero value of the default type.
kind() {
	local k=$1 types=$2 fn=$3 dflt v
	check "$k: go tool pprof fetches it" get "$k"
	check "$k: sample types $types" grep -qxF "sample_types: $types" "$saved.dump"
	dflt=$(sed -n 's/^sample_types:.* \([a-z_]*\)\/[a-z]*\[dflt\].*/\1/p' "$saved.dump")
	[ -n "$dflt" ] || dflt=$(awk '/^sample_types:/ { split($2, a, "/"); print a[1] }' "$saved.dump")
	v=$(sum_where "$saved" "$dflt" "^$fn\$")
	check "$k: $fn is in it ($dflt $v)" test "${v:-0}" -gt 0
	check "$k: no frame of cprof's own" no_cprof_frames "$saved"
}

kind heap 'alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes[dflt]' every_grow
kind allocs 'alloc_objects/count alloc_space/bytes[dflt] inuse_objects/count inuse_space/bytes' every_grow
kind block 'contentions/count delay/nanoseconds[dflt]' every_block
v=$(sum_tagged "$saved" delay request=sleep '^every_block$')
check "block: every_block's waits carry request=sleep ($v ns)" test "${v:-0}" -gt 0
check "block: ... all of them" test "$v" -eq "$(sum_where "$saved" delay '^every_block$')"
kind mutex 'contentions/count delay/nanoseconds[dflt]' every_lock_hold
v=$(sum_tagged "$saved" delay request=lock '^every_lock_hold$')
check "mutex: the holders' delay carries request=lock ($v ns)" test "${v:-0}" -gt 0
check "mutex: ... none request=sleep" test "$(sum_tagged "$saved" delay request=sleep '.')" -eq 0
kind goroutine 'goroutine/count[dflt]' every_block
kind threadcreate 'threadcreate/count[dflt]' every_spawn
check "goroutine: the lockers are there by name" grep -q 'thread:\[locker\]' goroutine.raw
check "threadcreate: 4 threads from every_spawn" \
	test "$(sum_where "$saved" threadcreate '^every_spawn$')" -eq 4

for k in heap allocs block mutex goroutine threadcreate; do
	check "$k delta: go tool pprof -seconds 2 fetches it" get "$k" -seconds 2
	check "$k delta: asked for as $k?seconds=2" grep -q "/debug/pprof/$k?seconds=2" "$k.err"
	dur=$(awk '/^duration_nanos:/ { print $2 }' "$saved.dump")
	check "$k delta: covers the 2 s asked for (${dur:-?} ns)" \
		bash -c "[ '${dur:-0}' -ge 2000000000 ] && [ '${dur:-0}' -lt 10000000000 ]"
	case $k in
	heap) d=$(sum_where "$saved" inuse_space '^every_grow$')
		check "heap delta: what every_grow kept in the window is in use ($d bytes)" test "${d:-0}" -gt 0 ;;
	allocs) d=$(sum_where "$saved" alloc_space '^every_grow$')
		check "allocs delta: every_grow allocated in the window ($d bytes)" test "${d:-0}" -gt 0 ;;
	block) d=$(sum_where "$saved" delay '^every_block$')
		check "block delta: every_block slept in the window ($d ns)" test "${d:-0}" -gt 0 ;;
	mutex) d=$(sum_where "$saved" delay '^every_lock_hold$')
		check "mutex delta: the holders were waited for in the window ($d ns)" test "${d:-0}" -gt 0 ;;
	threadcreate) d=$(total "$saved" threadcreate)
		check "threadcreate delta: no thread created in the window ($d)" test "${d:-1}" -eq 0 ;;
	esac
done

go tool pprof -raw "$URL/debug/pprof/every_handles" >custom.raw 2>custom.err
check "a custom profile is served at its name" grep -q '^every_handles/count$' custom.raw
code=$(curl -s -o custom.400 -w '%{http_code}' "$URL/debug/pprof/every_handles?seconds=1")
check "its delta is refused: $code" test "$code" = 400
check "... saying why, as Go does" grep -q 'not supported for this profile type' custom.400

touch "$T/stop"
http_wait
expect_status "http_every" 0
check "the program's output is its own" grep -qx done "$T/run.out"
check "Profiles lists the custom profiles by name" grep -qx 'profiles 2: every_aaa every_handles' "$T/run.out"
check "... and with room for one, fills one and says how many there are" \
	grep -qx 'profiles max 1: 2 every_aaa' "$T/run.out"
finish
