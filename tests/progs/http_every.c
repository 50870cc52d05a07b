/*
 * http_every: a program with something in every profile, to serve /debug/pprof/ from.
 * Until STOPFILE exists: a "grower" thread keeps a 64 KiB block every 20 ms
 * (every_grow: the heap grows), two "locker" threads take turns holding one mutex for
 * 2 ms (every_lock_hold: mutex contention, every_lock_wait), a "sleeper" thread sleeps
 * 20 ms at a time (every_block: nanosleep), and every_spawn starts them (threadcreate).
 * The lockers work in a region labelled request=lock, the sleeper in request=sleep
 * (cprof.h). Custom profiles "every_handles" (one entry) and "every_aaa" (empty) are
 * made first and listed (Go's Profiles): "profiles N: NAME...", and with room for one,
 * "profiles max 1: N NAME". Then it prints "done" at the end.
 * Usage: http_every STOPFILE
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"
#include "cprof.h"

static atomic_bool stop;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *volatile kept[4096];
static int n_kept;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static __attribute__((noipa)) void every_grow(void)
{
	if (n_kept < 4096) {
		char *p = malloc(64 << 10);

		if (p)
			memset(p, 1, 64 << 10);
		kept[n_kept++] = p;
	}
}

static void *grower(void *arg)
{
	while (!atomic_load(&stop)) {
		every_grow();
		nap_ms(20);
	}
	return NULL;
}

static __attribute__((noipa)) void every_lock_hold(void)
{
	BURN_NS(2000000);
	pthread_mutex_unlock(&lock);
	__asm__ volatile("" ::: "memory");	/* not a tail call: this frame stays the unlocker */
}

static __attribute__((noipa)) void every_lock_wait(void)
{
	pthread_mutex_lock(&lock);
}

static void *locker(void *arg)
{
	cprof_labels_t prev = cprof_labels_push(CPROF_PAIRS("request", "lock"));

	while (!atomic_load(&stop)) {
		every_lock_wait();
		every_lock_hold();
	}
	cprof_labels_restore(prev);
	return NULL;
}

static __attribute__((noipa)) void every_block(void)
{
	nap_ms(20);
}

static void *sleeper(void *arg)
{
	cprof_labels_t prev = cprof_labels_push(CPROF_PAIRS("request", "sleep"));

	while (!atomic_load(&stop))
		every_block();
	cprof_labels_restore(prev);
	return NULL;
}

static __attribute__((noipa)) void every_spawn(pthread_t *th, void *(*fn)(void *),
					       const char *name)
{
	if (pthread_create(th, NULL, fn, NULL) != 0)
		exit(2);
	pthread_setname_np(*th, name);
}

int main(int argc, char **argv)
{
	static int token;
	cprof_profile *handles = cprof_profile_new("every_handles"), *list[8];
	pthread_t th[4];
	size_t n;

	if (argc < 2)
		return 2;
	cprof_profile_add(handles, &token, 0);
	cprof_profile_new("every_aaa");
	n = cprof_profiles(list, 8);
	printf("profiles %zu:", n);
	for (size_t i = 0; i < n && i < 8; i++)
		printf(" %s", cprof_profile_name(list[i]));
	n = cprof_profiles(list, 1);
	printf("\nprofiles max 1: %zu %s\n", n, n ? cprof_profile_name(list[0]) : "-");
	fflush(stdout);
	every_spawn(&th[0], grower, "grower");
	every_spawn(&th[1], locker, "locker");
	every_spawn(&th[2], locker, "locker");
	every_spawn(&th[3], sleeper, "sleeper");
	while (access(argv[1], F_OK) != 0)
		nap_ms(20);
	atomic_store(&stop, true);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("done\n");
	return 0;
}
