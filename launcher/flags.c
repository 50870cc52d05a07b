/*
 * flags.c: the flag table, the Go-style parser and the generated usage text. Adding a flag
 * is one row in flags_table; env.c turns the values into CPROF_ variables and main.c acts
 * on cprofrun's own flags (those without a variable). Usage errors are printed here as one
 * "cprofrun: ..." line; the caller exits 2.
 */
#include "flags.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limits.h"	/* preload/limits.h: the library's bounds, shared */
#include "duration.h"	/* preload/duration.h: the library's duration parser, shared */
#include "signame.h"	/* preload/signame.h: the library's signal names, shared */

#define STR(x) STR_(x)
#define STR_(x) #x
#define DEPTH_DEFAULT STR(CPROF_DEPTH_DEFAULT)
#define MEMRATE_DEFAULT STR(CPROF_MEMRATE_DEFAULT)

/*
 * Every flag cprofrun knows. The default is what the library uses when the variable is not
 * set (cprofrun sets a variable only for a flag that was given), so keep it in step with
 * preload/env.c; bounds come from preload/limits.h where it has them. A row with a NULL
 * help is an alias, listed with the row after it.
 */
const struct flags_def flags_table[] = {
	/* name      kind           env            arg     default        min              max              help */
	{ "cpu",     FLAGS_PROFILE, "CPROF_CPU",   "FILE", NULL,          0,               0,               "write a CPU profile to FILE when the program exits" },
	{ "hz",      FLAGS_INT,     "CPROF_HZ",    "N",    "100",         1,               CPROF_HZ_MAX,    "take N CPU samples per second of CPU time" },
	{ "depth",   FLAGS_INT,     "CPROF_DEPTH", "N",    DEPTH_DEFAULT, CPROF_DEPTH_MIN, CPROF_DEPTH_MAX, "record at most N frames of each stack" },
	{ "heap",    FLAGS_PROFILE, "CPROF_HEAP",  "FILE", NULL,          0,               0,               "write a heap profile (memory in use) to FILE when the program exits, and FILE.N on the dump signal" },
	{ "allocs",  FLAGS_PROFILE, "CPROF_ALLOCS", "FILE", NULL,         0,               0,               "write an allocs profile (every allocation) to FILE when the program exits, and FILE.N on the dump signal" },
	{ "memrate", FLAGS_INT,     "CPROF_MEMRATE", "N",  MEMRATE_DEFAULT, 1,             CPROF_MEMRATE_MAX, "sample one allocation per N bytes allocated, on average (1: every allocation)" },
	{ "signal",  FLAGS_SIGNAL,  "CPROF_SIGNAL", "SIG", "USR2",        0,               0,               "the dump signal: each one writes numbered heap, allocs and threads snapshots (USR2, SIGUSR2, 12, RTMIN+3...)" },
	{ "mutex",   FLAGS_PROFILE, "CPROF_MUTEX", "FILE", NULL,          0,               0,               "write a mutex profile (where contended locks were held) to FILE when the program exits" },
	{ "mutexfraction", FLAGS_INT, "CPROF_MUTEXFRACTION", "N", "1",    1,               CPROF_MUTEXFRACTION_MAX, "with -mutex (or -http, -period), record one lock contention in N on average (values are scaled by N)" },
	{ "block",   FLAGS_PROFILE, "CPROF_BLOCK", "FILE", NULL,          0,               0,               "write a block profile (where threads waited) to FILE when the program exits" },
	{ "blockrate", FLAGS_INT,   "CPROF_BLOCKRATE", "NS", "10000",     1,               CPROF_BLOCKRATE_MAX, "with -block (or -http, -period), record every wait of at least NS nanoseconds and shorter ones with probability duration/NS" },
	{ "threads", FLAGS_PROFILE, "CPROF_THREADS", "FILE", NULL,        0,               0,               "write the stacks of all threads to FILE at exit, and FILE.N on the dump signal (FILE.txt: the thread dump)" },
	{ "threadcreate", FLAGS_PROFILE, "CPROF_THREADCREATE", "FILE", NULL, 0,            0,               "write the stacks that created threads to FILE when the program exits" },
	{ "profile", FLAGS_PROFILES, "CPROF_PROFILES", "NAME=FILE", NULL, 0,            0,               "write the custom profile NAME (cprof.h) to FILE at exit; repeatable" },
	{ "http",    FLAGS_STRING,  "CPROF_HTTP",  "ADDR", NULL,          0,               0,               "serve Go's /debug/pprof/ endpoints on ADDR while the program runs: HOST:PORT (port 0: any free port) or unix:PATH" },
	{ "http-public", FLAGS_BOOL, "CPROF_HTTP_PUBLIC", NULL, "false",   0,               0,               "let -http listen on an address that is not loopback (anyone who reaches it can read the profiles)" },
	{ "period",  FLAGS_DURATION, "CPROF_PERIOD", "DURATION", NULL,    1,               86400,           "every DURATION (such as 10s or 1m), write a CPU profile of that period and heap, mutex and block snapshots to -outdir" },
	{ "outdir",  FLAGS_DIR,     "CPROF_OUTDIR", "DIR", NULL,          0,               0,               "the directory -period writes to" },
	{ "keep",    FLAGS_INT,     "CPROF_KEEP",  "N",    "10",          1,               100000,          "keep the newest N files of each kind in -outdir" },
	{ "top",     FLAGS_BOOL,    NULL,          NULL,   NULL,          0,               0,               "after the run, print the top 10 functions of each profile to stderr" },
	{ "h",       FLAGS_HELP,    NULL,          NULL,   NULL,          0,               0,               NULL },
	{ "help",    FLAGS_HELP,    NULL,          NULL,   NULL,          0,               0,               "print this help and exit" },
	{ "version", FLAGS_VERSION, NULL,          NULL,   NULL,          0,               0,               "print cprofrun's version and exit" },
};
const size_t flags_count = sizeof(flags_table) / sizeof(flags_table[0]);

static void flags_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void flags_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cprofrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int find_n(const char *name, size_t len)
{
	for (size_t k = 0; k < flags_count; k++)
		if (strlen(flags_table[k].name) == len && memcmp(flags_table[k].name, name, len) == 0)
			return (int)k;
	return -1;
}

int flags_find(const char *name)
{
	return find_n(name, strlen(name));
}

static bool takes_value(enum flags_kind kind)
{
	return kind == FLAGS_PROFILE || kind == FLAGS_PROFILES || kind == FLAGS_INT ||
	       kind == FLAGS_STRING || kind == FLAGS_DURATION || kind == FLAGS_DIR ||
	       kind == FLAGS_SIGNAL;
}

/*
 * Whether a -http address is well formed, and whether it is loopback, by the library's
 * rules (preload/http.c): unix:PATH, HOST:PORT or [V6]:PORT with a numeric host or
 * localhost; an empty host means every interface.
 */
static int http_address(const char *addr, bool *loopback)
{
	const char *colon = strrchr(addr, ':');
	char host[64], *end;
	unsigned char bin[16];
	size_t n;
	long port;

	*loopback = true;
	if (strncmp(addr, "unix:", 5) == 0)
		return addr[5] && strlen(addr + 5) < 108 ? 0 : -EINVAL;
	if (!colon || !isdigit((unsigned char)colon[1]))
		return -EINVAL;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || errno || port > 65535)
		return -EINVAL;
	n = (size_t)(colon - addr);
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, n);
	host[n] = '\0';
	if (host[0] == '[') {
		if (n < 2 || host[n - 1] != ']')
			return -EINVAL;
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, bin) != 1)
			return -EINVAL;
		*loopback = memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0 ||
			    (memcmp(bin, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 && bin[12] == 127);
		return 0;
	}
	if (host[0] == '\0') {
		*loopback = false;
		return 0;
	}
	if (strcmp(host, "localhost") == 0)
		return 0;
	if (inet_pton(AF_INET, host, bin) != 1)
		return -EINVAL;
	*loopback = bin[0] == 127;
	return 0;
}

/* Appends NAME=FILE to v's items. 0, or -EINVAL after printing why. */
static int add_item(const struct flags_def *d, const char *val, struct flags_value *v)
{
	const char *eq = strchr(val, '=');
	struct flags_item *items;
	size_t len = eq ? (size_t)(eq - val) : 0;

	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)val[i]) && !strchr("._-", val[i]))
			len = 0;
	if (!len || len > 63 || !eq[1] || strchr(eq + 1, ',')) {
		flags_error("invalid value \"%s\" for flag -%s: must be NAME=FILE (NAME of letters, "
			    "digits, '.', '_', '-'; FILE without ',')", val, d->name);
		return -EINVAL;
	}
	items = realloc(v->items, (v->n_items + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	v->items = items;
	items[v->n_items].name = strndup(val, len);
	items[v->n_items].file = eq + 1;
	items[v->n_items].abs = NULL;
	if (!items[v->n_items].name)
		return -ENOMEM;
	v->n_items++;
	return 0;
}

/* Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False. */
static int parse_bool(const char *s, long *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal only, no blanks: strtol alone would take " 12" and "12abc"'s prefix. */
static int parse_int(const char *s, long min, long max, long *out)
{
	const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
	char *end;
	long v;

	if (!isdigit((unsigned char)*digits))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * The library writes a temporary file beside the profile and renames it into place, so
 * what must be writable is the directory; the file itself may not exist yet. The path is
 * resolved through the directory's realpath so that two spellings of one file compare
 * equal, and must not hold a newline, which would break the handshake line (handshake.h).
 */
static int profile_path(const char *given, char **abs_out)
{
	const char *slash = strrchr(given, '/');
	const char *base = slash ? slash + 1 : given;
	char *dir, *rdir, *abs;
	struct stat st;
	int err = 0;

	if (strchr(given, '\n'))
		return -EINVAL;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EISDIR;
	if (!slash)
		dir = strdup(".");
	else if (slash == given)
		dir = strdup("/");
	else
		dir = strndup(given, (size_t)(slash - given));
	if (!dir)
		return -ENOMEM;
	rdir = realpath(dir, NULL);
	if (!rdir) {
		err = -errno;
		goto out_dir;
	}
	if (stat(rdir, &st) != 0) {
		err = -errno;
		goto out_rdir;
	}
	if (!S_ISDIR(st.st_mode)) {
		err = -ENOTDIR;
		goto out_rdir;
	}
	if (access(rdir, W_OK | X_OK) != 0) {
		err = -errno;
		goto out_rdir;
	}
	if (asprintf(&abs, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir, base) < 0) {
		err = -ENOMEM;
		goto out_rdir;
	}
	if (stat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
		free(abs);
		err = -EISDIR;
		goto out_rdir;
	}
	*abs_out = abs;
out_rdir:
	free(rdir);
out_dir:
	free(dir);
	return err;
}

static int set_value(size_t k, const char *val, struct flags_value *v)
{
	const struct flags_def *d = &flags_table[k];
	long num = 0;

	switch (d->kind) {
	case FLAGS_INT:
		if (parse_int(val, d->min, d->max, &num) != 0) {
			flags_error("invalid value \"%s\" for flag -%s: must be an integer from %ld to %ld",
				    val, d->name, d->min, d->max);
			return -EINVAL;
		}
		break;
	case FLAGS_BOOL:
	case FLAGS_HELP:
	case FLAGS_VERSION:
		if (!val)
			num = 1;
		else if (parse_bool(val, &num) != 0) {
			flags_error("invalid value \"%s\" for flag -%s: must be true or false", val, d->name);
			return -EINVAL;
		}
		break;
	case FLAGS_DURATION: {
		int64_t ns;

		if (duration_parse(val, &ns) != 0 || ns < d->min * 1e9 || ns > d->max * 1e9) {
			flags_error("invalid value \"%s\" for flag -%s: must be a duration from %lds to %lds, such as 10s or 1m",
				    val, d->name, d->min, d->max);
			return -EINVAL;
		}
		break;
	}
	case FLAGS_PROFILES:
		if (add_item(d, val, v) != 0)
			return -EINVAL;
		break;
	case FLAGS_SIGNAL: {
		int sig = signame_parse(val);
		const char *why = sig < 0 ? "there is no such signal" : signame_refused(sig);

		if (why) {
			flags_error("invalid value \"%s\" for flag -%s: %s", val, d->name, why);
			return -EINVAL;
		}
		num = sig;
		break;
	}
	case FLAGS_PROFILE:
	case FLAGS_STRING:
	case FLAGS_DIR:
		if (*val == '\0') {
			flags_error("invalid value \"\" for flag -%s: must not be empty", d->name);
			return -EINVAL;
		}
		break;
	}
	v->set = true;
	v->str = val;
	v->num = num;
	return 0;
}

static void usage(FILE *f);

/* Resolves a profile path into *abs; prints the error. 0 or -errno. */
static int resolve(const char *given, char **abs)
{
	int err;

	free(*abs);
	*abs = NULL;
	err = profile_path(given, abs);
	if (err == -EINVAL)
		flags_error("cannot write profile '%s': the name holds a newline", given);
	else if (err)
		flags_error("cannot write profile '%s': %s", given, strerror(-err));
	return err;
}

/* Every output path, resolved, in flag order: (flag, item or -1, path). */
struct out {
	size_t flag;
	ssize_t item;
	const char *abs;
};

static int check_profiles(struct flags_value *values)
{
	struct out *outs = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t k = 0; k < flags_count && !err; k++) {
		size_t m = flags_table[k].kind == FLAGS_PROFILE ? 1 : values[k].n_items;

		if (!values[k].set || (flags_table[k].kind != FLAGS_PROFILE &&
				       flags_table[k].kind != FLAGS_PROFILES))
			continue;
		for (size_t i = 0; i < m && !err; i++) {
			bool one = flags_table[k].kind == FLAGS_PROFILE;
			char **abs = one ? &values[k].abs : &values[k].items[i].abs;

			err = resolve(one ? values[k].str : values[k].items[i].file, abs);
			if (err)
				break;
			if (n == cap) {
				struct out *o = realloc(outs, (cap = cap ? 2 * cap : 16) * sizeof(*o));

				if (!o) {
					err = -ENOMEM;
					break;
				}
				outs = o;
			}
			outs[n++] = (struct out){ k, one ? -1 : (ssize_t)i, *abs };
			for (size_t j = 0; j + 1 < n; j++) {
				if (strcmp(outs[j].abs, *abs))
					continue;
				if (outs[j].flag == k)
					flags_error("-%s writes to '%s' twice", flags_table[k].name,
						    one ? values[k].str : values[k].items[i].file);
				else
					flags_error("-%s and -%s both write to '%s'",
						    flags_table[outs[j].flag].name, flags_table[k].name,
						    one ? values[k].str : values[k].items[i].file);
				err = -EINVAL;
				break;
			}
		}
	}
	free(outs);
	return err;
}

void flags_free(struct flags_value *values)
{
	for (size_t k = 0; values && k < flags_count; k++) {
		free(values[k].abs);
		for (size_t i = 0; i < values[k].n_items; i++) {
			free(values[k].items[i].name);
			free(values[k].items[i].abs);
		}
		free(values[k].items);
	}
}

/* A directory flag: it must exist and be writable; the variable gets its absolute path. */
static int check_dirs(struct flags_value *values)
{
	for (size_t k = 0; k < flags_count; k++) {
		struct stat st;
		char *abs;

		if (flags_table[k].kind != FLAGS_DIR || !values[k].set)
			continue;
		abs = realpath(values[k].str, NULL);
		if (!abs || stat(abs, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    access(abs, W_OK | X_OK) != 0) {
			int err = abs && stat(abs, &st) == 0 && !S_ISDIR(st.st_mode) ? ENOTDIR : errno;

			flags_error("cannot write to directory '%s': %s", values[k].str, strerror(err));
			free(abs);
			return -EINVAL;
		}
		if (strchr(abs, '\n')) {
			flags_error("cannot write to directory '%s': the name holds a newline", values[k].str);
			free(abs);
			return -EINVAL;
		}
		free(values[k].abs);
		values[k].abs = abs;
	}
	return 0;
}

static bool given(const struct flags_value *values, const char *name)
{
	int k = flags_find(name);

	return k >= 0 && values[k].set;
}

/* Flags that only make sense together, and the address -http may listen on. */
static int check_together(struct flags_value *values)
{
	int http = flags_find("http"), pub = flags_find("http-public");
	bool loopback;

	if (http >= 0 && values[http].set) {
		if (http_address(values[http].str, &loopback) != 0) {
			flags_error("invalid value \"%s\" for flag -http: must be HOST:PORT, [IPV6]:PORT or unix:PATH, with a numeric host or localhost",
				    values[http].str);
			return -EINVAL;
		}
		if (!loopback && !(pub >= 0 && values[pub].num)) {
			flags_error("-http=%s is not a loopback address: anyone who can reach it could read the program's profiles; add -http-public to serve it anyway",
				    values[http].str);
			return -EINVAL;
		}
	}
	if (given(values, "period") && !given(values, "outdir")) {
		flags_error("-period needs -outdir=DIR");
		return -EINVAL;
	}
	if (!given(values, "period") && (given(values, "outdir") || given(values, "keep"))) {
		flags_error("-outdir and -keep need -period");
		return -EINVAL;
	}
	return 0;
}

int flags_parse(int argc, char **argv, struct flags_value *values)
{
	int i = 1;

	while (i < argc) {
		const char *a = argv[i], *name, *eq, *val;
		size_t len;
		int k;

		if (a[0] != '-' || a[1] == '\0')
			break;
		i++;
		if (strcmp(a, "--") == 0)
			break;
		name = a[1] == '-' ? a + 2 : a + 1;
		if (*name == '\0' || *name == '-' || *name == '=') {
			flags_error("bad flag syntax: %s (see cprofrun -h)", a);
			return -EINVAL;
		}
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		k = find_n(name, len);
		if (k < 0) {
			flags_error("flag provided but not defined: -%.*s (see cprofrun -h)", (int)len, name);
			return -EINVAL;
		}
		val = eq ? eq + 1 : NULL;
		if (!val && takes_value(flags_table[k].kind)) {
			if (i >= argc) {
				flags_error("flag needs an argument: -%s (see cprofrun -h)", name);
				return -EINVAL;
			}
			val = argv[i++];
		}
		if (set_value((size_t)k, val, &values[k]) != 0)
			return -EINVAL;
		/* As in Go, -h acts when seen, before later arguments are looked at. */
		if (flags_table[k].kind == FLAGS_HELP && values[k].num) {
			usage(stdout);
			return 0;
		}
		if (flags_table[k].kind == FLAGS_VERSION && values[k].num) {
			printf("cprofrun %s\n", CPROF_VERSION);
			return 0;
		}
	}
	if (i >= argc) {
		flags_error("no program given (usage: cprofrun [flags] [--] program [args...])");
		return -EINVAL;
	}
	if (check_profiles(values) != 0 || check_dirs(values) != 0 || check_together(values) != 0)
		return -EINVAL;
	return i;
}

static void usage_flag(FILE *f, const struct flags_def *d, const char *alias)
{
	const char *sep = "";

	fputs("  ", f);
	if (alias)
		fprintf(f, "-%s, ", alias);
	fprintf(f, "-%s", d->name);
	if (d->arg)
		fprintf(f, "=%s", d->arg);
	fprintf(f, "\n        %s", d->help);
	if (d->kind == FLAGS_INT || d->def || d->env)
		fputs(" (", f);
	if (d->kind == FLAGS_INT) {
		fprintf(f, "%ld to %ld", d->min, d->max);
		sep = ", ";
	}
	if (d->def) {
		fprintf(f, "%sdefault %s", sep, d->def);
		sep = ", ";
	}
	if (d->env)
		fprintf(f, "%ssets %s", sep, d->env);
	if (d->kind == FLAGS_INT || d->def || d->env)
		fputc(')', f);
	fputc('\n', f);
}

/* The usage text, generated from the table. */
static void usage(FILE *f)
{
	const char *alias = NULL;

	fputs("usage: cprofrun [flags] [--] program [args...]\n"
	      "\n"
	      "Runs program with libcprof.so preloaded (LD_PRELOAD) and writes the profiles the\n"
	      "flags ask for in pprof format: read them with go tool pprof. Flags are written\n"
	      "-name=value, -name value or --name=value (a true/false flag: -name or -name=false)\n"
	      "and end at the first argument that is not a flag, or at --.\n"
	      "\n"
	      "Flags:\n", f);
	for (size_t k = 0; k < flags_count; k++) {
		if (!flags_table[k].help) {
			alias = flags_table[k].name;
			continue;
		}
		usage_flag(f, &flags_table[k], alias);
		alias = NULL;
	}
	fputs("\n"
	      "Environment:\n"
	      "  CPROF_LIB   the libcprof.so to preload (default: the one beside cprofrun, or\n"
	      "              ../lib/cprof/libcprof.so from cprofrun's directory)\n"
	      "  LD_PRELOAD  libcprof.so is appended to it in the program's environment\n"
	      "  CPROF_*     variables already set reach the program unless a flag sets them\n"
	      "\n"
	      "Exit status: the program's own; 128+N when it was killed by signal N; 127 when it\n"
	      "was not found, 126 when it could not be executed; 2 for a usage error or a program\n"
	      "that cannot be profiled. See cprofrun(1).\n", f);
}
