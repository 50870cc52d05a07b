/*
 * check.h: the reporting the unit tests share. One line per check, "ok - NAME" or
 * "not ok - NAME: DETAIL", and check_done's totals; the test exits 1 if any failed.
 */
#ifndef CPROF_TESTS_CHECK_H
#define CPROF_TESTS_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

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

#endif
