/*
 * testsource.c: TEST ONLY (testsource.h): the "cprof_test" source, a count profile of
 * the CPU samples recorded so far, shaped as Go shapes a custom profile (NAME/count, period
 * 1). It exists for the 7xxx tests; CPROF_TEST_SOURCE is undocumented for users.
 */
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "dump.h"
#include "testsource.h"

#define NAME "cprof_test"

static _Atomic bool registered;

static int sample(void *arg, const struct records_key *k, const int64_t *raw, int64_t *values,
		  struct dump_label *labels, char *scratch)
{
	values[0] = raw[0];
	return raw[0] ? 0 : -1;
}

static int describe(struct dump_kind *k)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	k->kind = NAME;
	k->types[0] = NAME;
	k->types[1] = "count";
	k->period_type = NAME;
	k->period_unit = "count";
	k->period = 1;
	k->time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	k->records = &cpu.records;
	k->sample = sample;
	return 0;
}

static size_t count(void)
{
	return atomic_load(&cpu.records.n);
}

static const struct dump_source source = {
	.name = NAME,
	.description = "cprof's test source: CPU samples as a count profile",
	.describe = describe,
	.count = count,
};

int testsource_register(void)
{
	int rc = cpu_prepare();

	if (rc == 0)
		rc = dump_register(&source);
	if (rc == 0)
		atomic_store(&registered, true);
	return rc;
}

bool testsource_is(const char *name)
{
	return atomic_load(&registered) && !strcmp(name, NAME);
}
