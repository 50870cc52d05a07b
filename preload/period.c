/*
 * period.c: the periodic writer (period.h). Consecutive CPU windows share their
 * boundary reading, so every sample lands in exactly one file. Files are written by
 * dump_write (a temporary name, then a rename: they appear whole) without telling the
 * launcher, and named KIND-YYYYMMDDTHHMMSS.mmmZ-PID.pb.gz (UTC, the end of the period):
 * names of one kind and process sort by time, and only this process's are deleted.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "real.h"
#include "bg.h"
#include "cpu.h"
#include "dump.h"
#include "env.h"
#include "log.h"
#include "period.h"
#include "profile.h"
#include "testsource.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_window *window;
static int64_t next_due;		/* CLOCK_MONOTONIC */
static bool on;
static pid_t pid;

/* The snapshots written beside the CPU profile, when registered (allocs is heap's data). */
static const char *const snapshots[] = { "heap", "mutex", "block" };

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Deletes this process's oldest KIND files beyond env.keep. */
static void prune(const char *kind)
{
	char suffix[48], path[4096], **names = NULL;
	size_t n = 0, cap = 0, klen = strlen(kind);
	struct dirent *e;
	DIR *d = opendir(env.outdir);

	if (!d)
		return;
	snprintf(suffix, sizeof(suffix), "Z-%ld.pb.gz", (long)pid);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), slen = strlen(suffix);

		/* KIND- + 19 characters of time + suffix, nothing else. */
		if (len != klen + 1 + 19 + slen || strncmp(e->d_name, kind, klen) ||
		    e->d_name[klen] != '-' || strcmp(e->d_name + len - slen, suffix))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names));

			if (!grown)
				break;
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (i + (size_t)env.keep < n) {
			snprintf(path, sizeof(path), "%s/%s", env.outdir, names[i]);
			if (unlink(path) < 0 && errno != ENOENT)
				log_warn("cannot delete old profile '%s': %s", path, strerror(errno));
		}
		free(names[i]);
	}
	free(names);
}

static void write_one(const char *kind, struct profile *p, const char *stamp)
{
	char path[4096];

	if (!p)
		return;
	snprintf(path, sizeof(path), "%s/%s-%sZ-%ld.pb.gz", env.outdir, kind, stamp, (long)pid);
	if (dump_write(path, NULL, p) == 0)
		prune(kind);
	profile_free(p);
}

static void write_period(bool last)
{
	int64_t now = clock_ns(CLOCK_REALTIME);
	time_t secs = (time_t)(now / 1000000000);
	const struct dump_source *all[64];
	size_t n = dump_sources(all, 64);
	struct cpu_window *next = NULL;
	char stamp[80];
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(stamp, sizeof(stamp), "%04d%02d%02dT%02d%02d%02d.%03d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(now / 1000000 % 1000));
	if (window) {
		write_one("cpu", cpu_window_end(window, last ? NULL : &next), stamp);
		window = next;
		/* Out of memory at the boundary: start afresh rather than stop for good. */
		if (!window && !last && cpu_window_begin(&window) < 0)
			window = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		bool wanted = testsource_is(all[i]->name);

		for (size_t k = 0; k < sizeof(snapshots) / sizeof(snapshots[0]); k++)
			wanted |= !strcmp(all[i]->name, snapshots[k]);
		if (wanted)
			write_one(all[i]->name, dump_build_source(all[i]->name), stamp);
	}
}

static void hook(void)
{
	int64_t now;

	real_mutex_lock(&lock);
	now = clock_ns(CLOCK_MONOTONIC);
	if (on && getpid() == pid && now >= next_due) {
		write_period(false);
		next_due += env.period_ns;
		/* Writing took longer than a period: the next one is a whole period from now. */
		if (next_due <= now)
			next_due = now + env.period_ns;
	}
	real_mutex_unlock(&lock);
}

int period_start(void)
{
	int rc;

	if (!env.outdir) {
		log_warn("CPROF_PERIOD is set without CPROF_OUTDIR; no periodic profiles");
		return -EINVAL;
	}
	if (mkdir(env.outdir, 0777) < 0 && errno != EEXIST) {
		rc = -errno;
		log_warn("cannot create '%s': %s; no periodic profiles", env.outdir, strerror(-rc));
		return rc;
	}
	real_mutex_lock(&lock);
	pid = getpid();
	rc = cpu_window_begin(&window);
	if (rc < 0)
		log_warn("cannot start CPU profiling: %s; periodic profiles without CPU", strerror(-rc));
	next_due = clock_ns(CLOCK_MONOTONIC) + env.period_ns;
	on = true;
	real_mutex_unlock(&lock);
	rc = bg_add_hook(hook);
	if (rc < 0)
		log_warn("cannot hook the periodic writer: %s", strerror(-rc));
	return rc;
}

void period_finish(void)
{
	real_mutex_lock(&lock);
	if (on && getpid() == pid)
		write_period(true);
	on = false;
	real_mutex_unlock(&lock);
}

void period_fork_child(void)
{
	/* The parent's window is not the child's to close; the lock may be held by a thread gone. */
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;

	lock = fresh;
	window = NULL;
	on = false;
}
