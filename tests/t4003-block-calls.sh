#!/usr/bin/env bash
# Every call the block profile interposes is seen, with its call= label, at its caller,
# and behaves as without cprof: a program calls each one (and the _FORTIFY_SOURCE entry
# points: __read_chk, __recv_chk, __poll_chk...) and checks every result, and calls fcntl
# with every kind of third argument (int, pointer, none, negative, bad fd, bad command);
# only F_SETLKW and F_OFD_SETLKW are recorded as waits. -blockrate=1 records every call.
. tests/lib.sh
need go

mkdir -p "$T/plain" "$T/prof"
"$PROGS/block_calls" "$T/plain" >"$T/plain.out" 2>&1
check "without cprof: every call did what it should" grep -qx ok "$T/plain.out"
b=$T/block.prof
run_cprof "$T/run" -block="$b" -blockrate=1 "$PROGS/block_calls" "$T/prof"
expect_status "block_calls under cprof" 0
check "with cprof: every call did what it should" grep -qx ok "$T/run.out"
grep FAIL "$T/run.out"
check "our decoder reads the profile" pdump_ok "$b"
check "go tool pprof reads it without a warning" pprof_ok "$b"
check "no frame of cprof's own" no_cprof_frames "$b"

for call in pthread_cond_wait pthread_cond_timedwait pthread_cond_clockwait pthread_join \
	pthread_barrier_wait sem_wait sem_timedwait sem_clockwait nanosleep clock_nanosleep sleep \
	usleep read write readv writev pread pwrite recv recvfrom recvmsg send sendto sendmsg accept \
	accept4 connect poll ppoll select pselect epoll_wait epoll_pwait wait waitpid waitid flock; do
	check "call=$call at block_calls_all" test "$(sum_tagged "$b" contentions "call=$call" '^block_calls_all$')" -gt 0
done
for call in read pread recv recvfrom poll ppoll; do
	check "fortified: call=$call at block_calls_fortified" \
		test "$(sum_tagged "$b" contentions "call=$call" '^block_calls_fortified$')" -gt 0
done
check "pread and pread64 are both call=pread (2 calls)" \
	test "$(sum_tagged "$b" contentions call=pread '^block_calls_all$')" -eq 2
check "fcntl: only the three F_SETLKW and F_OFD_SETLKW calls are waits" \
	test "$(sum_tagged "$b" contentions call=fcntl '^fcntl_kinds$')" -eq 3
check "sleep's and usleep's own nanosleep is not seen (1 nanosleep: the program's)" \
	test "$(sum_tagged "$b" contentions call=nanosleep '^block_calls_all$')" -eq 1
ms=$(( $(sum_tagged "$b" delay call=sleep '^block_calls_all$') / 1000000 ))
check "sleep(1) took $ms ms (1000 to 1100)" test "$ms" -ge 1000 -a "$ms" -le 1100
ms=$(( $(sum_tagged "$b" delay call=write '^block_calls_all$') / 1000000 ))
check "the write to a full pipe waited for the reader: $ms ms (at least 15)" test "$ms" -ge 15
finish
