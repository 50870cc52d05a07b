/*
 * flags.h: cprofrun's command-line flags. One table (flags.c) names every flag, its kind,
 * the CPROF_ variable it sets, its default, range and help; the parser and the -h text are
 * generated from it. Parsing follows Go's flag package: -name, --name, -name=value,
 * -name value (not for bools), and stops at the first non-flag argument or at "--".
 */
#ifndef CPROF_LAUNCHER_FLAGS_H
#define CPROF_LAUNCHER_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum flags_kind {
	FLAGS_PROFILE,	/* an output file; the variable gets its absolute path */
	FLAGS_PROFILES,	/* NAME=FILE, repeatable; the variable gets NAME=ABS,NAME=ABS... */
	FLAGS_INT,	/* an integer in [min, max] */
	FLAGS_BOOL,	/* -name, -name=true|false; the variable (if any) gets 1 or 0 */
	FLAGS_STRING,	/* any non-empty string, passed on verbatim */
	FLAGS_DURATION,	/* a Go duration ("10s", "1m30s") from min to max seconds, passed on verbatim */
	FLAGS_DIR,	/* an existing writable directory; the variable gets its absolute path */
	FLAGS_SIGNAL,	/* a signal cprof may use (signame.h), passed on as given */
	FLAGS_HELP,	/* prints the usage to stdout and exits 0 */
	FLAGS_VERSION,	/* prints "cprofrun VERSION" to stdout and exits 0 */
};

struct flags_def {
	const char *name;	/* without the dash */
	enum flags_kind kind;
	const char *env;	/* CPROF_ variable set in the child; NULL: cprofrun's own */
	const char *arg;	/* the value's name in the usage ("FILE", "N"); NULL for bools */
	const char *def;	/* default shown in the usage; NULL: none */
	long min, max;		/* FLAGS_INT only */
	const char *help;	/* one line, lower case, no full stop */
};

/* One NAME=FILE of a FLAGS_PROFILES flag. */
struct flags_item {
	char *name;		/* malloc'd */
	const char *file;	/* as given (points into argv) */
	char *abs;		/* absolute path, malloc'd */
};

struct flags_value {
	bool set;		/* given on the command line (the last one wins) */
	const char *str;	/* the value as given (points into argv) */
	long num;		/* FLAGS_INT: the value; FLAGS_BOOL: 0 or 1; FLAGS_SIGNAL: its number */
	char *abs;		/* FLAGS_PROFILE, FLAGS_DIR: absolute path, malloc'd, owned by the value */
	struct flags_item *items;	/* FLAGS_PROFILES: every one given, in order, owned */
	size_t n_items;
};

extern const struct flags_def flags_table[];
extern const size_t flags_count;

/*
 * Parses argv[1..argc) into values[flags_count] (zeroed by the caller). Returns the index in
 * argv of the program's name (> 0); 0 when -h or -version was given and its text printed
 * to stdout (exit 0); or -EINVAL after printing one "cprofrun: ..." line (exit 2). Profile
 * paths are made absolute (values[k].abs) and checked: their directory must exist and be
 * writable, and no two profiles may share a file. -http must be a loopback address unless
 * -http-public is given; -period needs -outdir, and -outdir and -keep need -period.
 */
int flags_parse(int argc, char **argv, struct flags_value *values);

/* The table index of the flag NAME (no dash), or -1. */
int flags_find(const char *name);

/* Frees what flags_parse allocated in values[flags_count]. */
void flags_free(struct flags_value *values);

#endif
