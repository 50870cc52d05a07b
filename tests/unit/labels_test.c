/*
 * labels_test: unit tests of preload/labels.c, the interned label sets behind cprof.h's
 * labels: interning and canonical order, nesting and overriding, push and restore, the
 * per-thread memo when a caller's buffer changes under it, limits, the lookup API, and
 * threads interning the same and different sets at once.
 * Prints "ok - NAME" or "not ok - NAME: DETAIL" per check; exits 1 if any failed.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dump.h"
#include "labels.h"
#include "threads.h"

CPROF_TLS struct tls cprof_tls;

/* cprof.h's entry points, as libcprof.so exports them. */
uint32_t cprof_labels_with_v1(uint32_t base, size_t n, const char *const *kv);
uint32_t cprof_labels_push_v1(size_t n, const char *const *kv);
void cprof_labels_set_v1(uint32_t id);
uint32_t cprof_labels_get_v1(void);
const char *cprof_labels_value_v1(uint32_t id, const char *key);
size_t cprof_labels_list_v1(uint32_t id, const char **kv, size_t max);

/* The set's labels as "k=v k=v" in key order, for comparisons. */
static const char *show(uint32_t id)
{
	static char buf[4096];
	struct dump_label l[16];
	size_t n = labels_get(id, l, 16);

	/* Key order: sort the few pairs by key. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(l[j - 1].key, l[j].key) > 0; j--) {
			struct dump_label t = l[j];

			l[j] = l[j - 1];
			l[j - 1] = t;
		}
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s=%s", i ? " " : "",
			 l[i].key, l[i].str);
	return buf;
}

#define KV(...) (sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *) / 2), \
		((const char *const[]){ __VA_ARGS__ })

static void test_before_init(void)
{
	check(cprof_labels_push_v1(KV("a", "1")) == 0 && cprof_labels_get_v1() == 0,
	      "before labels_init: push does nothing", "current %u", cprof_labels_get_v1());
	check(cprof_labels_with_v1(0, KV("a", "1")) == 0, "before labels_init: with is 0", "%s", "");
}

static void test_sets(void)
{
	uint32_t a = cprof_labels_with_v1(0, KV("a", "1"));
	uint32_t a2 = cprof_labels_with_v1(0, KV("a", "1"));
	uint32_t b = cprof_labels_with_v1(a, KV("b", "2"));
	uint32_t b2 = cprof_labels_with_v1(0, KV("b", "2", "a", "1"));
	uint32_t c = cprof_labels_with_v1(b, KV("a", "3"));

	check(a && a == a2, "the same pairs give the same set", "%u %u", a, a2);
	check(!strcmp(show(a), "a=1"), "a set holds its pairs", "'%s'", show(a));
	check(b && !strcmp(show(b), "a=1 b=2"), "with() adds to its base", "'%s'", show(b));
	check(b == b2, "order does not matter: one set", "%u %u", b, b2);
	check(c && c != b && !strcmp(show(c), "a=3 b=2"), "a key given again overrides",
	      "'%s'", show(c));
	check(!strcmp(show(b), "a=1 b=2"), "the base set is unchanged", "'%s'", show(b));
	check(cprof_labels_with_v1(0, 0, NULL) == 0, "no pairs: the empty set", "%s", "");
	check(cprof_labels_with_v1(a, KV("", "x")) == a, "an empty key is ignored", "%s", "");
	check(labels_get(123456, NULL, 0) == 0, "an unknown id has no labels", "%s", "");
}

static void test_push(void)
{
	struct thread slot;
	uint32_t outer, inner, prev, prev2;

	memset(&slot, 0, sizeof(slot));
	cprof_tls.self = &slot;
	prev = cprof_labels_push_v1(KV("request", "checkout"));
	outer = cprof_labels_get_v1();
	check(prev == 0 && outer && !strcmp(show(outer), "request=checkout"),
	      "push enters the set and returns the previous one", "%u '%s'", prev, show(outer));
	check(labels_current_sig() == outer, "signal handlers see it", "%u", labels_current_sig());
	check(atomic_load(&slot.labels) == outer, "so does the thread's registry slot", "%u",
	      atomic_load(&slot.labels));
	prev2 = cprof_labels_push_v1(KV("step", "pay"));
	inner = cprof_labels_get_v1();
	check(prev2 == outer && !strcmp(show(inner), "request=checkout step=pay"),
	      "a nested region inherits", "'%s'", show(inner));
	cprof_labels_set_v1(prev2);
	check(cprof_labels_get_v1() == outer, "restore leaves the nested region", "%s", "");
	cprof_labels_set_v1(prev);
	check(cprof_labels_get_v1() == 0 && atomic_load(&slot.labels) == 0,
	      "and the outer one", "%u", cprof_labels_get_v1());
	cprof_labels_set_v1(outer);
	cprof_labels_set_v1(999999);
	check(cprof_labels_get_v1() == outer, "an id cprof never gave is ignored", "%u",
	      cprof_labels_get_v1());
	cprof_labels_set_v1(0);
	cprof_tls.self = NULL;
}

/* The memo keys on pointers: a buffer rewritten between pushes must still be read. */
static void test_memo(void)
{
	char id[16] = "r1";
	const char *kv[] = { "request", id };
	uint32_t s1, s2, s3;

	s1 = cprof_labels_push_v1(1, kv);
	s1 = cprof_labels_get_v1();
	cprof_labels_set_v1(0);
	strcpy(id, "r2");
	cprof_labels_push_v1(1, kv);
	s2 = cprof_labels_get_v1();
	cprof_labels_set_v1(0);
	strcpy(id, "r1");
	cprof_labels_push_v1(1, kv);
	s3 = cprof_labels_get_v1();
	cprof_labels_set_v1(0);
	check(s1 != s2 && !strcmp(show(s2), "request=r2"), "a rewritten buffer makes a new set",
	      "%u %u '%s'", s1, s2, show(s2));
	check(s3 == s1, "and its old contents the old set", "%u %u", s3, s1);
}

static void test_limits_and_lookup(void)
{
	char longer[600], other[600];
	const char *kv[20];
	const char *out[16];
	uint32_t s, l1, l2;

	for (int i = 0; i < 10; i++) {
		static char keys[10][8];

		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		kv[2 * i] = keys[i];
		kv[2 * i + 1] = "v";
	}
	s = cprof_labels_with_v1(0, 10, kv);
	check(cprof_labels_list_v1(s, NULL, 0) == 8,
	      "a set keeps 8 labels", "%zu", cprof_labels_list_v1(s, NULL, 0));
	check(cprof_labels_list_v1(s, out, 2) == 8 && out[0] && out[1] && !strcmp(out[1], "v"),
	      "list() fills pairs and says how many there are", "%s", out[0] ? out[0] : "");
	check(cprof_labels_value_v1(s, "k3") && !strcmp(cprof_labels_value_v1(s, "k3"), "v"),
	      "value() finds a key", "%s", "");
	check(cprof_labels_value_v1(s, "nope") == NULL, "value() of a missing key is NULL", "%s", "");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(other, longer, sizeof(other));
	other[500] = 'y';
	l1 = cprof_labels_with_v1(0, KV("long", longer));
	l2 = cprof_labels_with_v1(0, KV("long", other));
	check(l1 && l1 == l2 && strlen(cprof_labels_value_v1(l1, "long")) == 256,
	      "values are cut at 256 bytes", "%u %u", l1, l2);
}

struct worker {
	int id;
	int bad;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char mine[32], want[64];

	for (int i = 0; i < 20000; i++) {
		const char *shared[] = { "shared", i % 2 ? "odd" : "even" };
		const char *own[] = { "worker", mine };
		uint32_t s1, s2;

		snprintf(mine, sizeof(mine), "%d-%d", w->id, i % 500);
		s1 = cprof_labels_with_v1(0, 1, shared);
		s2 = cprof_labels_with_v1(s1, 1, own);
		snprintf(want, sizeof(want), "shared=%s worker=%s", i % 2 ? "odd" : "even", mine);
		if (!s1 || !s2 || strcmp(cprof_labels_value_v1(s2, "worker"), mine) ||
		    strcmp(cprof_labels_value_v1(s2, "shared"), shared[1]))
			w->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[4];
	struct worker w[4];
	int bad = 0;

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ i, 0 };
		pthread_create(&th[i], NULL, hammer, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		bad += w[i].bad;
	}
	check(bad == 0, "4 threads interning shared and own sets at once get the right ones",
	      "%d wrong", bad);
}

int main(void)
{
	test_before_init();
	if (labels_init() != 0) {
		check(false, "labels_init", "failed");
		return 1;
	}
	test_sets();
	test_push();
	test_memo();
	test_limits_and_lookup();
	test_threads();
	return check_done();
}
