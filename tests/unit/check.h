/*
 * check.h: the reporting the unit tests share. One line per check, "ok - NAME" or
 * "not ok - NAME: DETAIL", and check_done's totals; the test exits 1 if any failed.
 * check_golden compares a text with a golden file in tests/golden.
 */
#ifndef CPROF_TESTS_CHECK_H
#define CPROF_TESTS_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int n_failed, n_passed;

static void check(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("ok - %s\n", name);
		n_passed++;
		return;
	}
	printf("not ok - %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	n_failed++;
}

/* Prints the totals; the test's exit status. */
static int check_done(void)
{
	printf("# %d passed, %d failed\n", n_passed, n_failed);
	return n_failed ? 1 : 0;
}

/*
 * Checks text (preceded by the line how) against golden file NAME in $CPROF_GOLDEN_DIR
 * (default tests/golden), printing diff -u's output as comments, or rewrites the file
 * when CPROF_UPDATE_GOLDEN=1.
 */
static __attribute__((unused)) void check_golden(const char *name, const char *how,
						 const char *text)
{
	const char *dir = getenv("CPROF_GOLDEN_DIR"), *upd = getenv("CPROF_UPDATE_GOLDEN");
	char path[4096], tmp[] = "/tmp/cprof_golden.XXXXXX", cmd[8400];
	FILE *f;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "tests/golden", name);
	if (upd && !strcmp(upd, "1")) {
		f = fopen(path, "w");
		check(f != NULL, name, "cannot write %s: %s", path, strerror(errno));
		if (f) {
			fprintf(f, "%s\n%s", how, text);
			fclose(f);
		}
		return;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		check(false, name, "mkstemp: %s", strerror(errno));
		return;
	}
	fprintf(f, "%s\n%s", how, text);
	fclose(f);
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' > '%s.diff' 2>&1; rc=$?; "
		 "sed 's/^/#   /' '%s.diff'; rm -f '%s.diff'; exit $rc", path, tmp, tmp, tmp, tmp);
	rc = system(cmd);
	check(rc == 0, name, "differs from %s (diff above; CPROF_UPDATE_GOLDEN=1 rewrites it)",
	      path);
	unlink(tmp);
}

#endif
