/*
 * tcreate.c: the threadcreate profile. The pthread_create wrapper (threads.c) calls
 * tcreate_record_sig once the real call has created a thread; it captures the creator's
 * stack and adds one to that stack's record. Go's sample type threadcreate/count, no
 * labels (Go has none on this profile).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "dump.h"
#include "env.h"
#include "limits.h"
#include "log.h"
#include "records.h"
#include "stacks.h"
#include "tcreate.h"
#include "threads.h"
#include "unwind.h"

#define FALLBACK_DEPTH 64	/* frames kept for a creator without a registry slot */

static struct records recs;	/* w[0]: stack; v[0]: threads created */
static _Atomic int64_t n_lost;

static int sample(void *arg, const struct records_key *k, const int64_t *raw, int64_t *values,
		  struct dump_label *labels, char *scratch)
{
	values[0] = raw[0];
	return raw[0] > 0 ? 0 : -1;
}

static int describe(struct dump_kind *k)
{
	static int64_t lost[1];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	lost[0] = atomic_load(&n_lost);
	memset(k, 0, sizeof(*k));
	k->kind = "threadcreate";
	k->types[0] = "threadcreate";
	k->types[1] = "count";
	k->period_type = "threadcreate";
	k->period_unit = "count";
	k->period = 1;
	k->time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	k->records = &recs;
	k->sample = sample;
	k->lost = lost[0] ? lost : NULL;
	return 0;
}

static size_t count(void)
{
	return atomic_load(&recs.n);
}

static const struct dump_source source = {
	.name = "threadcreate",
	.description = "Stack traces that led to the creation of new OS threads",
	.describe = describe,
	.count = count,
};

int tcreate_init(void)
{
	int rc = records_init(&recs, CPROF_RECORDS_MAX);

	if (rc < 0)
		return rc;
	rc = dump_register(&source);
	return rc == -EEXIST ? 0 : rc;
}

void tcreate_fork_child(void)
{
	records_clear(&recs);
	atomic_store(&n_lost, 0);
}

int tcreate_write(const char *path)
{
	struct dump_kind k;

	describe(&k);
	return dump_profile(&k, path);
}

/* --- signal context --- */

void tcreate_record_sig(void)
{
	struct thread *t = threads_self_sig();
	uint64_t local[FALLBACK_DEPTH], *pcs = t && t->pcs ? t->pcs : local;
	int max = t && t->pcs ? env.depth : FALLBACK_DEPTH, n;
	struct records_key k = { { 0, 0, 0 } };
	int64_t one = 1;
	unsigned flags;

	/*
	 * The thread's buffer is shared with the heap and block collectors: marked as cprof's
	 * work, a program signal handler that allocates or blocks meanwhile does not use it.
	 */
	cprof_tls.in_cprof++;
	n = unwind_here_sig(t ? t->stack_lo : 0, t ? t->stack_hi : 0, pcs, max, &flags);
	k.w[0] = n > 0 ? stacks_intern_sig(pcs, n, flags) : 0;
	if (!k.w[0] || records_add_sig(&recs, &k, &one, 1) < 0)
		atomic_fetch_add(&n_lost, 1);
	cprof_tls.in_cprof--;
}
