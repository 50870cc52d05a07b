/*
 * env.c: finds libcprof.so and builds the program's environment (env.h). The library
 * reads the variables; the launcher only sets them, so LD_PRELOAD=libcprof.so with the
 * same variables does what cprofrun does. Errors are printed here as one line.
 */
#include "env.h"

#include <errno.h>
#include <linux/limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define LIB_NAME "libcprof.so"
#define PID_DIGITS 20

/* 0 when path is a regular file we can read, else a negative errno. */
static int usable(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (access(path, R_OK) != 0)
		return -errno;
	return 0;
}

static int from_variable(const char *value, char **out)
{
	char *abs;
	int err = usable(value);

	if (err == 0 && !(abs = realpath(value, NULL)))
		err = -errno;
	if (err) {
		fprintf(stderr, "cprofrun: cannot use CPROF_LIB '%s': %s\n", value, strerror(-err));
		return err;
	}
	*out = abs;
	return 0;
}

static int beside_self(char **out)
{
	char exe[PATH_MAX], *slash, *build = NULL, *installed = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int err = -ENOENT;

	if (n < 0) {
		err = -errno;
		fprintf(stderr, "cprofrun: cannot find libcprof.so: /proc/self/exe: %s (set CPROF_LIB)\n",
			strerror(-err));
		return err;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if (asprintf(&build, "%s/" LIB_NAME, exe) < 0 ||
	    asprintf(&installed, "%s/../lib/cprof/" LIB_NAME, exe) < 0) {
		err = -ENOMEM;
		goto out;
	}
	if (usable(build) == 0)
		*out = realpath(build, NULL);
	else if (usable(installed) == 0)
		*out = realpath(installed, NULL);
	else {
		fprintf(stderr, "cprofrun: cannot find libcprof.so at '%s' or '%s' (set CPROF_LIB)\n",
			build, installed);
		goto out;
	}
	err = *out ? 0 : -errno;
out:
	free(build);
	free(installed);
	return err;
}

int env_find_lib(char **out)
{
	const char *value = getenv("CPROF_LIB");
	int err;

	*out = NULL;
	err = value && *value ? from_variable(value, out) : beside_self(out);
	if (err)
		return err;
	/* ld.so splits LD_PRELOAD at spaces and colons and has no quoting. */
	if (strpbrk(*out, " :")) {
		fprintf(stderr, "cprofrun: cannot preload '%s': LD_PRELOAD cannot hold a path with a space or ':'\n",
			*out);
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

static bool is_named(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* Whether env_build sets this entry's variable, so the inherited one must go. */
static bool replaced(const char *entry, const struct flags_value *values)
{
	if (is_named(entry, "LD_PRELOAD") || is_named(entry, "CPROF_HANDSHAKE_FD") ||
	    is_named(entry, "CPROF_PID"))
		return true;
	for (size_t k = 0; k < flags_count; k++)
		if (flags_table[k].env && values[k].set && is_named(entry, flags_table[k].env))
			return true;
	return false;
}

static char *flag_entry(const struct flags_def *d, const struct flags_value *v)
{
	char *s = NULL;
	int r;

	switch (d->kind) {
	case FLAGS_PROFILE:
	case FLAGS_DIR:
		r = asprintf(&s, "%s=%s", d->env, v->abs);
		break;
	case FLAGS_INT:
	case FLAGS_BOOL:
		r = asprintf(&s, "%s=%ld", d->env, v->num);
		break;
	case FLAGS_PROFILES:
		r = asprintf(&s, "%s=", d->env);
		for (size_t i = 0; r >= 0 && i < v->n_items; i++) {
			char *t = s;

			r = asprintf(&s, "%s%s%s=%s", t, i ? "," : "", v->items[i].name,
				     v->items[i].abs);
			free(t);
		}
		break;
	default:
		r = asprintf(&s, "%s=%s", d->env, v->str);
		break;
	}
	return r < 0 ? NULL : s;
}

/* Appends s (NULL means out of memory) to both lists; e->envp has room. */
static int add(struct env_child *e, size_t *n_env, size_t *n_owned, char *s)
{
	if (!s)
		return -ENOMEM;
	e->owned[(*n_owned)++] = s;
	e->envp[(*n_env)++] = s;
	return 0;
}

int env_build(struct env_child *e, const char *lib, const struct flags_value *values,
	      int handshake_fd)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n_inherited = 0, n_env = 0, n_owned = 0, room = flags_count + 4;
	struct stat st;
	char *s;
	int err = 0;

	while (environ && environ[n_inherited])
		n_inherited++;
	e->envp = calloc(n_inherited + room, sizeof(char *));
	e->owned = calloc(room, sizeof(char *));
	if (!e->envp || !e->owned)
		return -ENOMEM;
	for (size_t i = 0; i < n_inherited; i++)
		if (!replaced(environ[i], values))
			e->envp[n_env++] = environ[i];

	if (old && *old)
		err = asprintf(&s, "LD_PRELOAD=%s %s", old, lib);
	else
		err = asprintf(&s, "LD_PRELOAD=%s", lib);
	if (add(e, &n_env, &n_owned, err < 0 ? NULL : s) != 0)
		return -ENOMEM;
	for (size_t k = 0; k < flags_count; k++)
		if (flags_table[k].env && values[k].set &&
		    add(e, &n_env, &n_owned, flag_entry(&flags_table[k], &values[k])) != 0)
			return -ENOMEM;
	/* fd:inode, so the library can tell the socket from a file that took its number. */
	if (fstat(handshake_fd, &st) != 0)
		return -errno;
	err = asprintf(&s, "CPROF_HANDSHAKE_FD=%d:%llu", handshake_fd,
		       (unsigned long long)st.st_ino);
	if (add(e, &n_env, &n_owned, err < 0 ? NULL : s) != 0)
		return -ENOMEM;
	s = calloc(1, sizeof("CPROF_PID=") + PID_DIGITS);
	if (add(e, &n_env, &n_owned, s) != 0)
		return -ENOMEM;
	strcpy(s, "CPROF_PID=");
	e->pid_entry = s;
	return 0;
}

void env_set_pid(struct env_child *e, pid_t pid)
{
	char digits[PID_DIGITS];
	char *p = e->pid_entry + strlen("CPROF_PID=");
	size_t n = 0;
	unsigned long v = (unsigned long)pid;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(digits));
	while (n)
		*p++ = digits[--n];
	*p = '\0';
}

void env_free(struct env_child *e)
{
	if (e->owned)
		for (size_t i = 0; e->owned[i]; i++)
			free(e->owned[i]);
	free(e->owned);
	free(e->envp);
	e->envp = NULL;
	e->owned = NULL;
	e->pid_entry = NULL;
}
