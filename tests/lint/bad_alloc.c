/*
 * Signal-context code calling the allocator that the same file interposes, for
 * tests/t9001-lint-signal-safety.sh: the wrapper being a signal-context function does not
 * make the call allowed.
 */
#include <stddef.h>

/* --- signal context --- */

void *calloc(size_t a, size_t b)
{
	return NULL;
}

void *wrapped_sig(void)
{
	return calloc(1, 16);
}
