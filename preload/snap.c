/*
 * snap.c: the dump signal (snap.h). The handler counts a request and wakes the
 * background thread; a background hook compares the count with the requests served and
 * writes one numbered snapshot of every registered profile. File I/O and encoding stay
 * on the background thread, never in the handler.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bg.h"
#include "env.h"
#include "limits.h"
#include "log.h"
#include "signame.h"
#include "sigs.h"
#include "snap.h"

struct entry {
	const char *kind;
	const char *path;
	int (*write)(const char *path, void *arg);
	void *arg;
};

static struct entry entries[CPROF_SNAP_MAX];
static _Atomic unsigned n_entries;
static _Atomic unsigned long requested;	/* dump signals received */
static unsigned long served;		/* requests the last snapshot covered */
static unsigned number;			/* the last snapshot's number */
static unsigned written;

static bool snap_signal_sig(int sig, siginfo_t *si, void *uc);

static bool any_exists(unsigned n)
{
	unsigned count = atomic_load(&n_entries);
	char path[PATH_MAX + 16];
	struct stat st;

	for (unsigned i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s.%u", entries[i].path, n);
		if (stat(path, &st) == 0)
			return true;
	}
	return false;
}

/* On the background thread: one snapshot for all requests received since the last. */
static void snap_hook(void)
{
	unsigned long r = atomic_load(&requested);
	unsigned count = atomic_load(&n_entries);
	char path[PATH_MAX + 16];

	if (r == served)
		return;
	served = r;
	do
		number++;
	while (any_exists(number) && number < UINT_MAX);
	for (unsigned i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s.%u", entries[i].path, number);
		entries[i].write(path, entries[i].arg);
	}
	written++;
}

int snap_register(const char *kind, const char *path, int (*write)(const char *path, void *arg),
		  void *arg)
{
	unsigned n = atomic_load(&n_entries);
	char name[32];
	int rc;

	if (n == CPROF_SNAP_MAX)
		return -ENOSPC;
	entries[n] = (struct entry){ kind, path, write, arg };
	if (n == 0) {
		rc = sigs_share(env.dump_signal, snap_signal_sig, "snapshots");
		if (rc == 0)
			rc = bg_add_hook(snap_hook);
		if (rc < 0) {
			log_warn("cannot take %s for snapshots: %s",
				 signame_name(env.dump_signal, name, sizeof(name)), strerror(-rc));
			return rc;
		}
	}
	atomic_store(&n_entries, n + 1);
	return 0;
}

unsigned snap_count(void)
{
	return written;
}

void snap_fork_child(void)
{
	served = atomic_load(&requested);
	number = 0;
	written = 0;
}

/* --- signal context --- */

static bool snap_signal_sig(int sig, siginfo_t *si, void *uc)
{
	atomic_fetch_add(&requested, 1);
	bg_wake_sig();
	return true;
}
