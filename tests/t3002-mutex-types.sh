#!/usr/bin/env bash
# Every kind of lock behaves exactly as before under -mutex and -block: a program prints
# what recursive, error-checking, robust, priority-inheritance and -protection mutexes,
# timed and clock locks timing out, rwlocks, condition variables (re-acquiring their
# mutex; both glibc versions of pthread_cond_wait), barriers and semaphores return, and
# the output is the same with and without cprof (every event recorded: -blockrate=1).
# The timed-out waits are in the block profile at their call site with 100 ms each (or
# a little more: the wake-up).
. tests/lib.sh
need go

"$PROGS/mutex_types" >"$T/plain.out" 2>"$T/plain.err"
[ $? -eq 0 ] || broken "mutex_types fails without cprof: $(cat "$T/plain.err")"
m=$T/mutex.prof
b=$T/block.prof
run_cprof "$T/run" -mutex="$m" -block="$b" -blockrate=1 "$PROGS/mutex_types"
expect_status "mutex_types under cprof" 0
if diff -u "$T/plain.out" "$T/run.out" >"$T/diff"; then ok "same results with and without cprof"; else
	bad "results differ with cprof"; cat "$T/diff"; fi
# The program itself must show the differences between kinds, or the comparison is empty.
for want in 'recursive: lock=0 lock=0 trylock=0 unlock=0 unlock=0 unlock=0 unlock=EPERM' \
	'errorcheck: lock=0 lock=EDEADLK trylock=EBUSY unlock=0 unlock=EPERM unlock-not-owner=EPERM lock-contended=0' \
	'timeout: timedlock=ETIMEDOUT clocklock=ETIMEDOUT timedlock-bad-deadline=EINVAL took-200ms=0' \
	'errorcheck-timedlock-owner=EDEADLK' 'timedrdlock=ETIMEDOUT clockwrlock=ETIMEDOUT' \
	'robust: lock-owner-died=EOWNERDEAD consistent=0' 'lock-not-recoverable=ENOTRECOVERABLE' \
	'errorcheck-timedlock-owner-died=EOWNERDEAD' 'pi-lock-contended=0' 'pi-errorcheck-lock=EDEADLK' \
	'condvar: lock=0 wait=0 trylock-owner=EBUSY lock-owner=EDEADLK timedwait=ETIMEDOUT unlock=0 unlock-again=EPERM' \
	'old-wait=0 trylock-owner=EBUSY lock-owner=EDEADLK old-timedwait=ETIMEDOUT' 'clockwait=ETIMEDOUT' \
	'rwlock: rdlock=0 rdlock=0 trywrlock=EBUSY unlock=0 unlock=0 wrlock=0 rdlock-writer=EDEADLK wrlock-writer=EDEADLK' \
	'others: join=0 barrier-one-serial=0 join-self=EDEADLK sem_wait=0 sem_timedwait=ETIMEDOUT sem_clockwait=ETIMEDOUT'; do
	check "the program shows: $want" grep -qF -- "$want" "$T/plain.out"
done

check "block: our decoder reads the profile" pdump_ok "$b"
check "block: go tool pprof reads it without a warning" pprof_ok "$b"
check "mutex: our decoder reads the profile" pdump_ok "$m"
check "mutex: go tool pprof reads it without a warning" pprof_ok "$m"
for call in pthread_mutex_timedlock pthread_mutex_clocklock pthread_rwlock_timedrdlock pthread_rwlock_clockwrlock; do
	ms=$(( $(sum_tagged "$b" delay "call=$call" '^mutex_types_timeout$') / 1000000 ))
	check "block: mutex_types_timeout, call=$call: $ms ms (100 to 200)" test "$ms" -ge 100 -a "$ms" -le 200
done
check "block: both pthread_cond_wait versions were seen (2 waits)" \
	test "$(sum_tagged "$b" contentions call=pthread_cond_wait '^condvars$')" -ge 2
check "block: both pthread_cond_timedwait versions were seen (2 waits)" \
	test "$(sum_tagged "$b" contentions call=pthread_cond_timedwait '^condvars$')" -ge 2
check "block: the contended error-checking lock was seen" \
	test "$(sum_tagged "$b" delay call=pthread_mutex_lock '^errorcheck$')" -gt 10000000
check "mutex: the holder thread's unlock was charged" test "$(sum_where "$m" delay '^holder$')" -gt 10000000
finish
