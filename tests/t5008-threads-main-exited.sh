#!/usr/bin/env bash
# A program whose main thread calls pthread_exit while a worker runs on: it ends when the
# worker does (cprof's background thread leaves, so glibc sees its last thread end); the
# thread dump
# lists the main thread (a zombie, with the frame that says so) and the worker, with its
# functions named; the CPU profile written when the last thread ends is symbolized too
# (the memory map is read through /proc/thread-self: the main thread's has gone).
. tests/lib.sh

# The process ends when its last thread does, cprof's background thread or not (status
# 124 here would mean it hung).
timeout -k 5 30 "$CPROFRUN" -cpu="$T/cpu.prof" "$PROGS/threads_main_exit" "$T/dump.txt" \
	>"$T/run.out" 2>"$T/run.err"
status=$?
expect_status "threads_main_exit ends" 0
check "the dump was written" grep -qx 'dump 0' "$T/run.out"
check "the main thread: a zombie, with its reason" \
	sh -c "grep -A1 '^thread [0-9]* \"threads_main_ex\" \[zombie\]:\$' '$T/dump.txt' | grep -qx '\[thread exited\]'"
check "the worker, symbolized" grep -qx 'threads_main_exit_work' "$T/dump.txt"
check "the CPU profile is readable" pdump_ok "$T/cpu.prof"
check "the CPU profile is symbolized" test "$(sum_where "$T/cpu.prof" samples '^threads_main_exit_work$')" -gt 10

# The same with the /debug/pprof/ server running: its threads must not keep the process.
timeout -k 5 30 "$CPROFRUN" -cpu="$T/cpu2.prof" -http="unix:$T/s.sock" \
	"$PROGS/threads_main_exit" "$T/dump2.txt" >"$T/run2.out" 2>"$T/run2.err"
status=$?
expect_status "threads_main_exit ends under -http too" 0
check "its CPU profile is readable" pdump_ok "$T/cpu2.prof"
finish
