#!/usr/bin/env bash
# Readers and writers on one rwlock: a writer waits while two readers hold read locks in
# rwlock_read_hold, then two readers wait while a writer holds the write lock in
# rwlock_write_hold. The mutex profile charges each side's measured waits to the holders'
# unlock site within 15%, and the block profile to the waiting sites with
# call=pthread_rwlock_wrlock and call=pthread_rwlock_rdlock.
. tests/lib.sh
need go

m=$T/mutex.prof
b=$T/block.prof
run_cprof "$T/run" -mutex="$m" -block="$b" "$PROGS/mutex_rwlock" 300
expect_status "mutex_rwlock" 0
for f in "$m" "$b"; do
	check "$(basename "$f"): our decoder reads it" pdump_ok "$f"
	check "$(basename "$f"): go tool pprof reads it without a warning" pprof_ok "$f"
	check "$(basename "$f"): no frame of cprof's own" no_cprof_frames "$f"
done
read -r _ write_ns _ read_ns <"$T/run.out"
[ -n "${read_ns:-}" ] || broken "the program printed nothing: $(cat "$T/run.out")"

got=$(percent "$(sum_where "$m" delay '^rwlock_read_hold$')" "$write_ns")
check "mutex: the writer's wait is charged to the readers' unlock site: $got% (100 +- 15)" \
	within "$got" 100 15
got=$(percent "$(sum_where "$m" delay '^rwlock_write_hold$')" "$read_ns")
check "mutex: the readers' waits are charged to the writer's unlock site: $got% (100 +- 15)" \
	within "$got" 100 15
check "mutex: 2 contentions at the writer's unlock (the two readers)" \
	test "$(sum_where "$m" contentions '^rwlock_write_hold$')" -eq 2
check "mutex: 1 contention at the readers' unlocks (the writer)" \
	test "$(sum_where "$m" contentions '^rwlock_read_hold$')" -eq 1
check "mutex: nothing charged to the waiting sites" \
	test "$(sum_where "$m" delay 'rwlock_(read|write)_wait')" -eq 0

got=$(percent "$(sum_tagged "$b" delay call=pthread_rwlock_wrlock '^rwlock_write_wait$')" "$write_ns")
check "block: rwlock_write_wait, call=pthread_rwlock_wrlock: $got% of the writer's wait (100 +- 15)" \
	within "$got" 100 15
got=$(percent "$(sum_tagged "$b" delay call=pthread_rwlock_rdlock '^rwlock_read_wait$')" "$read_ns")
check "block: rwlock_read_wait, call=pthread_rwlock_rdlock: $got% of the readers' waits (100 +- 15)" \
	within "$got" 100 15
finish
