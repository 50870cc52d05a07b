/* A file that breaks every signal-context rule, for tests/t9001-lint-signal-safety.sh. */
#include <stdio.h>
#include <stdlib.h>

static void normal(void)
{
}

void early_sig(void)
{
}

/* --- signal context --- */

void handler_sig(int sig)
{
	char *p = malloc(16);

	printf("%d\n", sig);
	normal();
	free(p);
}

#define BAD_MACRO(n) do {		\
	void *q_ = calloc(1, n);	\
	free(q_);			\
} while (0)

void macro_user_sig(void)
{
	BAD_MACRO(8);
}
