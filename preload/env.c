/*
 * env.c: parses the CPROF_* variables. The launcher only sets these variables, so
 * LD_PRELOAD=libcprof.so with the same variables does exactly what cprofrun does.
 * Unknown CPROF_ names and malformed values are reported once and never stop the program.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "env.h"
#include "limits.h"
#include "log.h"
#include "signame.h"

struct env env = {
	.hz = 100,
	.depth = CPROF_DEPTH_DEFAULT,
	.mutex_fraction = 1,
	.block_rate = 10000,
	.keep = 10,
	.memrate = CPROF_MEMRATE_DEFAULT,
	.dump_signal = SIGUSR2,
};

enum kind { K_PATH, K_INT, K_STR, K_DURATION, K_LIST, K_SIGNAL, K_INTERNAL };

struct var {
	const char *name;
	enum kind kind;
	long min, max;
	void *dst;
};

/* An output path as given (made absolute) and as used (with ".PID" in a forked child). */
struct path {
	char base[PATH_MAX];
	char cur[PATH_MAX];
};

static struct path cpu_path, mutex_path, block_path, threads_path, threadcreate_path;
static struct path heap_path, allocs_path;
static struct path profile_paths[ARRAY_SIZE(env.profiles)];
static struct path outdir;
static char http_addr[512];

static const struct var vars[] = {
	{ "CPROF_CPU", K_PATH, 0, 0, &cpu_path },
	{ "CPROF_THREADS", K_PATH, 0, 0, &threads_path },
	{ "CPROF_THREADCREATE", K_PATH, 0, 0, &threadcreate_path },
	{ "CPROF_PROFILES", K_LIST, 0, 0, NULL },
	{ "CPROF_HZ", K_INT, 1, CPROF_HZ_MAX, &env.hz },
	{ "CPROF_MUTEX", K_PATH, 0, 0, &mutex_path },
	{ "CPROF_MUTEXFRACTION", K_INT, 1, CPROF_MUTEXFRACTION_MAX, &env.mutex_fraction },
	{ "CPROF_BLOCK", K_PATH, 0, 0, &block_path },
	{ "CPROF_BLOCKRATE", K_INT, 1, CPROF_BLOCKRATE_MAX, &env.block_rate },
	{ "CPROF_HEAP", K_PATH, 0, 0, &heap_path },
	{ "CPROF_ALLOCS", K_PATH, 0, 0, &allocs_path },
	{ "CPROF_MEMRATE", K_INT, 1, CPROF_MEMRATE_MAX, &env.memrate },
	{ "CPROF_SIGNAL", K_SIGNAL, 0, 0, &env.dump_signal },
	{ "CPROF_DEPTH", K_INT, CPROF_DEPTH_MIN, CPROF_DEPTH_MAX, &env.depth },
	{ "CPROF_STATS", K_INT, 0, 1, &env.stats },
	{ "CPROF_HTTP", K_STR, 0, sizeof(http_addr), http_addr },
	{ "CPROF_HTTP_PUBLIC", K_INT, 0, 1, &env.http_public },
	{ "CPROF_PERIOD", K_DURATION, 1, 86400, &env.period_ns },
	{ "CPROF_OUTDIR", K_PATH, 0, 0, &outdir },
	{ "CPROF_KEEP", K_INT, 1, 100000, &env.keep },
	{ "CPROF_TEST_SOURCE", K_INT, 0, 1, &env.test_source },	/* tests only */
	{ "CPROF_HANDSHAKE_FD", K_INTERNAL, 0, 0, NULL },
	{ "CPROF_PID", K_INTERNAL, 0, 0, NULL },
	{ "CPROF_LIB", K_INTERNAL, 0, 0, NULL },	/* the launcher's, not ours */
};

static bool parse_long(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

/* Absolute form of path (the program may chdir before the profile is written). */
static int absolute(const char *path, char *dst, size_t size)
{
	char cwd[PATH_MAX];
	int n;

	if (path[0] == '/')
		n = snprintf(dst, size, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(dst, size, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
	else
		return -errno;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* CPROF_PROFILES: NAME=PATH items separated by commas. */
static void parse_profiles(const char *name, const char *val)
{
	for (const char *item = val; *item; ) {
		const char *comma = strchr(item, ','), *eq = strchr(item, '=');
		size_t len = comma ? (size_t)(comma - item) : strlen(item);
		char path[PATH_MAX];
		struct env_profile *p;

		if (!eq || eq >= item + len || eq == item || (size_t)(eq - item) >= sizeof(p->name) ||
		    eq + 1 == item + len || len - (size_t)(eq + 1 - item) >= sizeof(path)) {
			log_warn("%s: '%.*s' is not NAME=FILE; ignored", name, (int)len, item);
		} else if (env.n_profiles == (int)ARRAY_SIZE(env.profiles)) {
			log_warn("%s: more than %d profiles; '%.*s' ignored", name,
				 (int)ARRAY_SIZE(env.profiles), (int)len, item);
		} else {
			p = &env.profiles[env.n_profiles];
			memcpy(p->name, item, (size_t)(eq - item));
			p->name[eq - item] = '\0';
			snprintf(path, sizeof(path), "%.*s", (int)(len - (size_t)(eq + 1 - item)), eq + 1);
			if (absolute(path, profile_paths[env.n_profiles].base, PATH_MAX) < 0) {
				log_warn("%s: '%s': path too long; ignored", name, path);
			} else {
				strcpy(profile_paths[env.n_profiles].cur, profile_paths[env.n_profiles].base);
				p->path = profile_paths[env.n_profiles].cur;
				env.n_profiles++;
			}
		}
		item += len;
		if (*item == ',')
			item++;
	}
}

static void parse_var(const struct var *v, const char *val)
{
	long n;

	switch (v->kind) {
	case K_PATH:
		if (!*val) {
			log_warn("%s is empty; that profile is off", v->name);
			return;
		}
		if (absolute(val, ((struct path *)v->dst)->base, PATH_MAX) < 0) {
			log_warn("%s='%s': path too long; that profile is off", v->name, val);
			((struct path *)v->dst)->base[0] = 0;
		}
		strcpy(((struct path *)v->dst)->cur, ((struct path *)v->dst)->base);
		return;
	case K_INT:
		if (!parse_long(val, &n) || n < v->min || n > v->max) {
			log_warn("%s='%s' is not an integer from %ld to %ld; using %d",
				 v->name, val, v->min, v->max, *(int *)v->dst);
			return;
		}
		*(int *)v->dst = (int)n;
		return;
	case K_STR:
		if (!*val || strlen(val) >= (size_t)v->max) {
			log_warn("%s='%s' is empty or too long; ignored", v->name, val);
			return;
		}
		strcpy(v->dst, val);
		return;
	case K_DURATION: {
		int64_t ns;

		if (duration_parse(val, &ns) < 0 || ns < v->min * 1000000000 ||
		    ns > v->max * 1000000000) {
			log_warn("%s='%s' is not a duration from %lds to %lds (such as 10s or 1m); "
				 "ignored", v->name, val, v->min, v->max);
			return;
		}
		*(int64_t *)v->dst = ns;
		return;
	}
	case K_LIST:
		parse_profiles(v->name, val);
		return;
	case K_SIGNAL: {
		int sig = signame_parse(val);
		const char *why = sig < 0 ? "there is no such signal" : signame_refused(sig);
		char name[32];

		if (why) {
			log_warn("%s='%s' cannot be the dump signal: %s; using %s", v->name, val, why,
				 signame_name(*(int *)v->dst, name, sizeof(name)));
			return;
		}
		*(int *)v->dst = sig;
		return;
	}
	case K_INTERNAL:
		return;
	}
}

/* Decides whether this process is the one to profile (CPROF_PID, docs/user-guide.md). */
static void decide_dormant(void)
{
	const char *pid = getenv("CPROF_PID");
	char buf[24];
	long n;

	if (pid) {
		env.dormant = !parse_long(pid, &n) || n != (long)getpid();
		return;
	}
	/* Without the launcher: mark this process so that exec'd descendants stay dormant. */
	snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	setenv("CPROF_PID", buf, 1);
}

int env_init(void)
{
	extern char **environ;
	env.handshake = getenv("CPROF_HANDSHAKE_FD");
	decide_dormant();
	if (env.dormant)
		return 0;
	for (char **e = environ; e && *e; e++) {
		size_t i;

		if (strncmp(*e, "CPROF_", 6))
			continue;
		for (i = 0; i < ARRAY_SIZE(vars); i++) {
			size_t len = strlen(vars[i].name);

			if (!strncmp(*e, vars[i].name, len) && (*e)[len] == '=') {
				parse_var(&vars[i], *e + len + 1);
				break;
			}
		}
		if (i == ARRAY_SIZE(vars)) {
			const char *eq = strchr(*e, '=');

			log_warn("unknown environment variable %.*s ignored",
				 (int)(eq ? eq - *e : (long)strlen(*e)), *e);
		}
	}
	env.cpu_path = cpu_path.cur[0] ? cpu_path.cur : NULL;
	env.mutex_path = mutex_path.cur[0] ? mutex_path.cur : NULL;
	env.block_path = block_path.cur[0] ? block_path.cur : NULL;
	env.http = http_addr[0] ? http_addr : NULL;
	env.outdir = outdir.base[0] ? outdir.base : NULL;
	env.threads_path = threads_path.cur[0] ? threads_path.cur : NULL;
	env.threads_text = strlen(threads_path.base) > 4 &&
			   !strcmp(threads_path.base + strlen(threads_path.base) - 4, ".txt");
	env.threadcreate_path = threadcreate_path.cur[0] ? threadcreate_path.cur : NULL;
	env.heap_path = heap_path.cur[0] ? heap_path.cur : NULL;
	env.allocs_path = allocs_path.cur[0] ? allocs_path.cur : NULL;
	return 0;
}

static void add_pid_suffix(struct path *p, pid_t pid)
{
	if (p->base[0])
		snprintf(p->cur, sizeof(p->cur), "%.*s.%ld", PATH_MAX - 24, p->base, (long)pid);
}

void env_fork_child(pid_t pid)
{
	add_pid_suffix(&cpu_path, pid);
	add_pid_suffix(&mutex_path, pid);
	add_pid_suffix(&block_path, pid);
	add_pid_suffix(&threads_path, pid);
	add_pid_suffix(&threadcreate_path, pid);
	for (int i = 0; i < env.n_profiles; i++)
		add_pid_suffix(&profile_paths[i], pid);
	add_pid_suffix(&heap_path, pid);
	add_pid_suffix(&allocs_path, pid);
}
