#!/usr/bin/env bash
# The server's text forms (debug=1, and debug=2 for goroutine) of the mutex, block,
# goroutine and threadcreate profiles are Go's and go tool pprof reads the debug=1 ones;
# the thread dump lists the program's threads by name, the threads alias serves the same.
. tests/lib.sh
. tests/http.sh
need go

http_start run -http="unix:$T/s.sock" "$HTTP_BUSY" 60000 0 "$T/stop"
fetch "/debug/pprof/mutex?debug=1" "$T/mutex.txt"
check "mutex?debug=1: Go's contention text" sh -c "head -1 '$T/mutex.txt' | grep -qx -- '--- mutex:'"
check "mutex?debug=1: cycles per second and sampling period" \
	sh -c "grep -qx 'cycles/second=1000000000' '$T/mutex.txt' && grep -q '^sampling period=' '$T/mutex.txt'"
fetch "/debug/pprof/block?debug=1" "$T/block.txt"
check "block?debug=1: Go's contention text" sh -c "head -1 '$T/block.txt' | grep -qx -- '--- contention:'"
fetch "/debug/pprof/threadcreate?debug=1" "$T/tc.txt"
check "threadcreate?debug=1: Go's count text" grep -q '^threadcreate profile: total [0-9]*$' "$T/tc.txt"
check "threadcreate?debug=1: the helper thread's creation is in it" grep -q 'main' "$T/tc.txt"
fetch "/debug/pprof/goroutine?debug=1" "$T/g1.txt"
check "goroutine?debug=1: Go's count text" grep -q '^goroutine profile: total [0-9]*$' "$T/g1.txt"
fetch "/debug/pprof/goroutine?debug=2" "$T/g2.txt"
check "goroutine?debug=2: the thread dump names the helper thread" grep -q '"helper"' "$T/g2.txt"
check "goroutine?debug=2: and the main thread" grep -q '"http_busy"' "$T/g2.txt"
fetch "/debug/pprof/threads?debug=2" "$T/t2.txt"
check "threads?debug=2: the alias serves the dump too" grep -q '"helper"' "$T/t2.txt"
for f in mutex block tc g1; do
	go tool pprof -raw "$T/$f.txt" >"$T/$f.raw" 2>"$T/$f.err"
	check "go tool pprof reads $f's text form" test $? -eq 0
done
touch "$T/stop"
http_wait
expect_status "http_busy" 0
finish
