/*
 * stacks_test.c: the lock-free stack and record tables (stacks.c, records.c): identical
 * stacks share an id, flags and depth tell stacks apart, a full record table refuses and
 * counts, and four threads adding the same and distinct keys concurrently end with exact
 * counters and no duplicate records. Prints "ok - ..." / "not ok - ..." per check.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"
#include "stacks.h"

static int failures;

static void check(int ok, const char *name)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", name);
	failures += !ok;
}

static void test_stacks(void)
{
	uint64_t a[3] = { 0x1000, 0x2000, 0x3000 }, b[3] = { 0x1000, 0x2000, 0x3001 };
	const uint64_t *pcs;
	unsigned flags;
	uint32_t ia = stacks_intern_sig(a, 3, 0), ib = stacks_intern_sig(b, 3, 0);

	check(ia && ib && ia != ib, "different stacks get different ids");
	check(stacks_intern_sig(a, 3, 0) == ia, "the same stack gets the same id");
	check(stacks_intern_sig(a, 2, 0) != ia, "a prefix is another stack");
	check(stacks_intern_sig(a, 3, 1) != ia, "flags are part of the stack");
	check(stacks_get(ia, &pcs, &flags) == 3 && !memcmp(pcs, a, sizeof(a)) && flags == 0,
	      "stacks_get returns the PCs and flags");
	check(stacks_get(0, &pcs, &flags) < 0 && stacks_get(1u << 30, &pcs, &flags) < 0,
	      "unknown ids are refused");
	check(stacks_intern_sig(a, 0, 0) == 0, "an empty stack is refused");
}

struct counted {
	int64_t total[2];
	size_t n;
	int dup;
	uint64_t seen[64];
};

static void count_one(void *arg, uint32_t id, const struct records_key *k, const int64_t *v)
{
	struct counted *c = arg;

	for (size_t i = 0; i < c->n; i++)
		if (c->seen[i] == k->w[0])
			c->dup = 1;
	if (c->n < 64)
		c->seen[c->n] = k->w[0];
	c->n++;
	c->total[0] += v[0];
	c->total[1] += v[1];
}

static struct records shared;

static void *adder(void *arg)
{
	long who = (long)arg;

	for (int i = 0; i < 200000; i++) {
		struct records_key k = { { (uint64_t)(i % 16), 7, 0 } };
		int64_t v[2] = { 1, who };

		records_add_sig(&shared, &k, v, 2);
	}
	return NULL;
}

static void test_records(void)
{
	struct records small;
	struct counted c;
	pthread_t th[4];
	int refused = 0;

	check(records_init(&small, 8) == 0, "records_init");
	for (uint64_t i = 0; i < 20; i++) {
		struct records_key k = { { i, 0, 0 } };
		int64_t v[1] = { 1 };

		refused += records_add_sig(&small, &k, v, 1) != 0;
	}
	check(refused == 12 && atomic_load(&small.n_dropped) == 12,
	      "a full table refuses new keys and counts every refusal");
	memset(&c, 0, sizeof(c));
	records_foreach(&small, count_one, &c);
	check(c.n == 8 && c.total[0] == 8, "the records that fit are all there");

	check(records_init(&shared, 1024) == 0, "records_init (shared)");
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, adder, (void *)(i + 1));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	memset(&c, 0, sizeof(c));
	records_foreach(&shared, count_one, &c);
	check(c.n == 16 && !c.dup, "concurrent adders make one record per key");
	check(c.total[0] == 800000, "concurrent counters are exact");
	check(c.total[1] == 200000LL * (1 + 2 + 3 + 4), "concurrent sums are exact");
}

int main(void)
{
	if (stacks_init() != 0) {
		check(0, "stacks_init");
		return 1;
	}
	test_stacks();
	test_records();
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures != 0;
}
