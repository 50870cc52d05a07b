/*
 * labels.c: label sets. NEEDSWORK: the stub that stands until cprof.h's label API lands
 * (issue 5): no thread is ever in a label set.
 */
#include "dump.h"
#include "labels.h"

size_t labels_get(uint32_t id, struct dump_label *out, size_t max)
{
	return 0;
}

/* --- signal context --- */

uint32_t labels_current_sig(void)
{
	return 0;
}
