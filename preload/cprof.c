/*
 * cprof.c: start-up, fork and exit. The constructor reads the environment, builds the
 * registries, starts the requested collectors and the background thread, and greets the
 * launcher. Profiles are written once, at the first of: return from main or exit() from
 * any thread (the destructor), _exit or _Exit. A forked child profiles itself into
 * "<path>.<pid>"; a vfork child, which shares our memory, is left alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bg.h"
#include "block.h"
#include "cpu.h"
#include "custom.h"
#include "dump.h"
#include "env.h"
#include "http.h"
#include "labels.h"
#include "heap.h"
#include "log.h"
#include "modules.h"
#include "mutex.h"
#include "period.h"
#include "pprof.h"
#include "real.h"
#include "sigs.h"
#include "snap.h"
#include "stacks.h"
#include "testsource.h"
#include "tcreate.h"
#include "threads.h"
#include "tstacks.h"

enum { OFF, RUNNING, FINISHED };

static _Atomic int state = OFF;
static _Atomic pid_t profiled_pid;
static bool forked;		/* this process is a fork child of the profiled one */

static void fork_prepare(void)
{
	modules_fork_prepare();
	threads_fork_prepare();
}

static void fork_parent(void)
{
	threads_fork_parent();
	modules_fork_parent();
}

static void fork_child(void)
{
	pid_t pid = getpid();

	/* Restarting the background thread allocates: cprof's, not the program's. */
	cprof_tls.in_cprof++;
	atomic_store(&profiled_pid, pid);
	forked = true;
	env_fork_child(pid);
	dump_fork_child();
	modules_fork_child();
	cpu_fork_child();
	mutex_fork_child();
	block_fork_child();
	http_fork_child();
	period_fork_child();
	tcreate_fork_child();
	heap_fork_child();
	snap_fork_child();
	threads_fork_child();
	bg_fork_child();
	/*
	 * The thread costs about 100 us, which a child that is about to exec would waste; a
	 * child with nothing to collect has no use for it (bg_run then works inline).
	 */
	if (cpu_running() || heap_running())
		bg_start(false);
	cprof_tls.in_cprof--;
}

/* A heap or allocs snapshot (snap.h); name is the source's name. */
static int write_source(const char *path, void *name)
{
	return heap_write_profile(path, name);
}

/* A threads snapshot on the dump signal, beside the heap's (issue 5 asks for both). */
static int write_threads(const char *path, void *arg)
{
	return tstacks_write(path, env.threads_text);
}

/* Heap sampling, the exit profiles and their snapshots on the dump signal. */
static void start_heap(void)
{
	int rc = heap_start(env.memrate);

	if (rc < 0) {
		log_warn("cannot start heap profiling: %s", strerror(-rc));
		return;
	}
	if (env.heap_path)
		snap_register("heap", env.heap_path, write_source, "heap");
	if (env.allocs_path)
		snap_register("allocs", env.allocs_path, write_source, "allocs");
}

/*
 * The collectors whose profiles the HTTP server and the periodic writer serve, started
 * once when either is asked for, so that there is something to serve: the CPU sampler
 * only takes SIGPROF here (it runs while a window is open); heap sampling runs at
 * -memrate (Go's MemProfileRate by default), mutex and block profiling at the rates their
 * flags set, or their flags' defaults (Go's own defaults leave them off, which would
 * serve empty profiles).
 */
static void start_served_collectors(void)
{
	int rc = cpu_prepare();

	if (rc < 0)
		log_warn("cannot prepare CPU profiling: %s", strerror(-rc));
	if (!env.heap_path && !env.allocs_path)
		start_heap();
	if (!env.mutex_path && (rc = mutex_start(env.mutex_fraction)) < 0)
		log_warn("cannot start mutex profiling: %s", strerror(-rc));
	if (!env.block_path && (rc = block_start(env.block_rate)) < 0)
		log_warn("cannot start block profiling: %s", strerror(-rc));
}

/*
 * On the background thread: the server's socket and threads then live in that thread's
 * private file table (bg.c), out of the program's reach and off its syscalls' path.
 */
static void start_http(void *arg)
{
	http_start(env.http, env.http_public, pprof_serve);
}

static int start(void)
{
	int rc;

	rc = stacks_init();
	if (rc == 0)
		rc = modules_init();
	if (rc == 0)
		rc = threads_init();
	if (rc == 0)
		rc = labels_init();
	if (rc < 0) {
		log_warn("cannot start: %s; the program runs unprofiled", strerror(-rc));
		return rc;
	}
	if ((rc = tcreate_init()) < 0 || (rc = tstacks_init()) < 0 || (rc = custom_init()) < 0)
		log_warn("cannot start the thread and custom profiles: %s", strerror(-rc));
	if (env.cpu_path) {
		rc = cpu_start();
		if (rc < 0)
			log_warn("cannot start CPU profiling: %s", strerror(-rc));
	}
	mutex_register();
	block_register();
	if (env.mutex_path && (rc = mutex_start(env.mutex_fraction)) < 0)
		log_warn("cannot start mutex profiling: %s", strerror(-rc));
	if (env.block_path && (rc = block_start(env.block_rate)) < 0)
		log_warn("cannot start block profiling: %s", strerror(-rc));
	if (env.http || env.period_ns)
		start_served_collectors();
	if (env.test_source && testsource_register() < 0)
		log_warn("cannot register the test source");
	if (env.heap_path || env.allocs_path)
		start_heap();
	heap_stay_off();
	if (env.threads_path)
		snap_register("threads", env.threads_path, write_threads, NULL);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	bg_start(true);
	if (env.period_ns)
		period_start();
	if (env.http && bg_run(start_http, NULL, 5000) < 0)
		log_warn("the background thread did not start the HTTP server within 5 s");
	return 0;
}

__attribute__((constructor)) static void cprof_init(void)
{
	char hello[64];

	cprof_tls.in_cprof++;
	log_init();
	if (real_init() < 0) {
		log_warn("cannot find the C library's functions; the program runs unprofiled");
		goto out;
	}
	env_init();
	/* A dormant process closes the launcher's socket: it is not its to keep open. */
	log_handshake_open(env.handshake, !env.dormant);
	if (env.dormant) {
		heap_stay_off();
		goto out;
	}
	atomic_store(&profiled_pid, getpid());
	if (start() == 0)
		atomic_store(&state, RUNNING);
	snprintf(hello, sizeof(hello), "hello %ld %s", (long)getpid(), CPROF_VERSION);
	log_handshake_sig(hello);
out:
	cprof_tls.in_cprof--;
}

/* CPROF_STATS=1: what the profiler itself cost, for benchmarks and bug reports. */
static void print_stats(void)
{
	int64_t n = atomic_load(&cpu.n_signals) + atomic_load(&cpu.n_lost), restarted, interrupted;
	char line[256];

	snprintf(line, sizeof(line),
		 "stats: cpu samples %lld (lost %lld), handler mean %lld ns, max %lld ns; "
		 "stacks dropped %llu, records dropped %llu",
		 (long long)n, (long long)atomic_load(&cpu.n_lost),
		 (long long)(n ? atomic_load(&cpu.handler_ns) / n : 0),
		 (long long)atomic_load(&cpu.handler_max_ns),
		 (unsigned long long)stacks_n_dropped(),
		 (unsigned long long)atomic_load(&cpu.records.n_dropped));
	log_write_sig(line);
	tstacks_stats(&restarted, &interrupted);
	snprintf(line, sizeof(line), "stats: threads snapshots restarted %lld system calls, "
		 "could not restart %lld", (long long)restarted, (long long)interrupted);
	log_write_sig(line);
	if (heap_running()) {
		heap_stats(line, sizeof(line));
		log_write_sig(line);
	}
}

/* Stops the collectors and writes the profiles; on the background thread. */
static void write_profiles(void *arg)
{
	/* The threads as they are at exit, before anything else is stopped. */
	if (env.threads_path)
		tstacks_write(env.threads_path, env.threads_text);
	if (env.threadcreate_path)
		tcreate_write(env.threadcreate_path);
	for (int i = 0; i < env.n_profiles; i++)
		custom_write(env.profiles[i].name, env.profiles[i].path);
	http_stop();
	period_finish();
	/* A window an HTTP request still has open: nothing will read it now. */
	if (!env.cpu_path)
		cpu_stop();
	if (env.cpu_path) {
		cpu_stop();
		if (!sigs_still_ours(SIGPROF))
			log_warn("the program replaced cprof's SIGPROF handler behind sigaction's "
				 "back; CPU samples after that point are missing");
		/* Children that only fork and exit (shell subshells) would leave empty files. */
		if (!forked || atomic_load(&cpu.n_signals) > 0)
			cpu_write_profile(env.cpu_path);
	}
	if (env.mutex_path && (!forked || mutex_count() > 0))
		mutex_write_profile(env.mutex_path);
	if (env.block_path && (!forked || block_count() > 0))
		block_write_profile(env.block_path);
	/* As for CPU: a child that sampled nothing of its own leaves no files. */
	if (heap_running() && (!forked || heap_sampled())) {
		if (env.heap_path)
			heap_write_profile(env.heap_path, "heap");
		if (env.allocs_path)
			heap_write_profile(env.allocs_path, "allocs");
	}
	if (env.stats) {
		print_stats();
		if (env.mutex_path)
			mutex_print_stats();
		if (env.block_path)
			block_print_stats();
	}
}

/*
 * Writes every requested profile; the first caller does it, later ones return. A write
 * still going after limit_ms is abandoned, so that the program still ends when the work
 * needs a lock the exiting thread was interrupted in (an _exit from a crash handler).
 */
static void finish(int limit_ms)
{
	int expected = RUNNING;

	/* A vfork child shares this memory: it must not touch the parent's state. */
	if (getpid() != atomic_load(&profiled_pid))
		return;
	if (!atomic_compare_exchange_strong(&state, &expected, FINISHED))
		return;
	/*
	 * A fork child that collected nothing of its own has nothing to write (a shell's
	 * subshells, a child about to exit after a failed exec): skip the work.
	 */
	if (forked && !env.stats && atomic_load(&cpu.n_signals) == 0 && !heap_sampled() &&
	    mutex_count() == 0 && block_count() == 0 && !env.threads_path &&
	    !env.threadcreate_path && env.n_profiles == 0)
		return;
	cprof_tls.in_cprof++;
	if (bg_run(write_profiles, NULL, limit_ms) < 0)
		log_write_sig("the profiles were not finished in time at exit; some are missing");
	cprof_tls.in_cprof--;
}

/* cprof.h's cprof_enabled(). */
CPROF_EXPORT int cprof_enabled_v1(void)
{
	return atomic_load(&state) == RUNNING && getpid() == atomic_load(&profiled_pid);
}

__attribute__((destructor)) static void cprof_fini(void)
{
	finish(60000);
}

CPROF_EXPORT void _exit(int status)
{
	finish(10000);
	if (real__exit)
		real__exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

CPROF_EXPORT void _Exit(int status)
{
	finish(10000);
	if (real__Exit)
		real__Exit(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}
