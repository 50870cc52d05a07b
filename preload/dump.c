/*
 * dump.c: builds profiles from the collectors' records and writes them. Records are
 * copied first (handlers may still be adding), every distinct address is symbolized
 * once, mappings get honest has_* flags (pprof skips local symbolization only where we
 * resolved everything), and the file appears atomically under its final name.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "gz.h"
#include "labels.h"
#include "limits.h"
#include "log.h"
#include "profile.h"
#include "real.h"
#include "stacks.h"
#include "symbols.h"
#include "threads.h"
#include "unwind.h"

#define FRAMES_MAX 16	/* inlined frames kept per address */

static int open_file(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

int (*dump_open_fn)(const char *path, int flags, mode_t mode) = open_file;

/* --- addresses -> locations --------------------------------------------------------- */

struct addr {
	uint64_t addr;		/* 0: empty slot (address 0 is never looked up) */
	int mapping;		/* symbols mapping index, -1 if none */
	int n_frames;
	uint64_t loc_id;
	struct symbols_frame frames[FRAMES_MAX];
};

struct mapinfo {
	uint64_t id;
	bool used, all_named, all_lines, inlined;
};

struct locs {
	struct symbols *sy;
	struct profile *p;
	struct addr *tab;
	size_t cap, n;
	struct mapinfo *maps;
	size_t n_maps;
	uint64_t synthetic[4];
};

enum { SYN_LOST, SYN_TRUNCATED, SYN_INCOMPLETE };
static const char *const synthetic_names[] = {
	[SYN_LOST] = "[lost samples]",
	[SYN_TRUNCATED] = "[truncated stack]",
	[SYN_INCOMPLETE] = "[unwinding stopped]",
};

static uint64_t hash_addr(uint64_t a)
{
	a ^= a >> 33;
	a *= 0xff51afd7ed558ccdull;
	a ^= a >> 33;
	return a;
}

static struct addr *find_slot(struct locs *l, uint64_t a)
{
	size_t i = hash_addr(a) & (l->cap - 1);

	while (l->tab[i].addr && l->tab[i].addr != a)
		i = (i + 1) & (l->cap - 1);
	return &l->tab[i];
}

static int grow(struct locs *l)
{
	struct addr *old = l->tab;
	size_t old_cap = l->cap;

	l->cap = old_cap ? 2 * old_cap : 1024;
	l->tab = calloc(l->cap, sizeof(*l->tab));
	if (!l->tab) {
		l->tab = old;
		l->cap = old_cap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].addr)
			*find_slot(l, old[i].addr) = old[i];
	free(old);
	return 0;
}

static bool is_cprof_h(const char *file)
{
	size_t n = strlen(file);

	return n >= 7 && !strcmp(file + n - 7, "cprof.h") && (n == 7 || file[n - 8] == '/');
}

/* Symbolizes a (once) and notes what its mapping's flags must say. */
static struct addr *note(struct locs *l, uint64_t a)
{
	struct addr *s;

	if (!a)
		return NULL;
	if (2 * (l->n + 1) > l->cap && grow(l) < 0)
		return NULL;
	s = find_slot(l, a);
	if (s->addr)
		return s;
	s->addr = a;
	s->mapping = l->sy ? symbols_find_mapping(l->sy, a) : -1;
	s->n_frames = l->sy ? symbols_lookup(l->sy, a, s->frames, FRAMES_MAX) : 0;
	if (s->n_frames < 0)
		s->n_frames = 0;
	/* cprof.h's wrappers, inlined into the caller, are cprof's frames: not shown. */
	while (s->n_frames > 1 && is_cprof_h(s->frames[0].file)) {
		memmove(s->frames, s->frames + 1, (size_t)(s->n_frames - 1) * sizeof(s->frames[0]));
		s->n_frames--;
	}
	l->n++;
	if (s->mapping >= 0 && (size_t)s->mapping < l->n_maps) {
		struct mapinfo *m = &l->maps[s->mapping];

		if (!m->used) {
			m->used = true;
			m->all_named = m->all_lines = true;
		}
		m->all_named &= s->n_frames > 0;
		for (int i = 0; i < s->n_frames; i++)
			m->all_lines &= s->frames[i].line > 0 && s->frames[i].file[0];
		if (!s->n_frames)
			m->all_lines = false;
		m->inlined |= s->n_frames > 1;
	}
	return s;
}

static int locs_init(struct locs *l, struct profile *p)
{
	l->p = p;
	l->sy = symbols_new();
	if (!l->sy)
		log_warn("cannot read /proc/self/maps: profiles carry addresses only");
	l->n_maps = l->sy ? symbols_n_mappings(l->sy) : 0;
	l->maps = calloc(l->n_maps + 1, sizeof(*l->maps));
	return l->maps ? 0 : -ENOMEM;
}

static void locs_free(struct locs *l)
{
	free(l->tab);
	free(l->maps);
	if (l->sy)
		symbols_free(l->sy);
}

/* Adds every mapping, with has_* flags true only where they hold. */
static int add_mappings(struct locs *l)
{
	for (size_t i = 0; i < l->n_maps; i++) {
		const struct symbols_mapping *sm = symbols_mapping(l->sy, i);
		struct mapinfo *mi = &l->maps[i];
		struct profile_mapping pm = {
			.memory_start = sm->start,
			.memory_limit = sm->limit,
			.file_offset = sm->offset,
			.filename = sm->path,
			.build_id = sm->build_id,
			.has_functions = mi->used && mi->all_named,
			.has_filenames = mi->used && mi->all_named && mi->all_lines,
			.has_line_numbers = mi->used && mi->all_named && mi->all_lines,
			.has_inline_frames = mi->used && mi->all_named && mi->inlined,
		};

		mi->id = profile_add_mapping(l->p, &pm);
		if (!mi->id)
			return -ENOMEM;
	}
	return 0;
}

static uint64_t location(struct locs *l, uint64_t a)
{
	struct profile_line lines[FRAMES_MAX];
	struct addr *s = note(l, a);
	uint64_t mapping_id = 0;

	if (!s)
		return 0;
	if (s->loc_id)
		return s->loc_id;
	memset(lines, 0, sizeof(lines));
	for (int i = 0; i < s->n_frames; i++) {
		lines[i].function_id = profile_add_function(l->p, s->frames[i].name,
			s->frames[i].system_name, s->frames[i].file, 0);
		lines[i].line = s->frames[i].line;
		if (!lines[i].function_id)
			return 0;
	}
	if (s->mapping >= 0 && (size_t)s->mapping < l->n_maps)
		mapping_id = l->maps[s->mapping].id;
	s->loc_id = profile_add_location(l->p, mapping_id, a, lines, (size_t)s->n_frames);
	if (s->loc_id && s->n_frames)
		profile_set_location_offset(l->p, s->loc_id, s->frames[0].offset);
	return s->loc_id;
}

static uint64_t synthetic(struct locs *l, int which)
{
	struct profile_line line = { 0 };

	if (l->synthetic[which])
		return l->synthetic[which];
	line.function_id = profile_add_function(l->p, synthetic_names[which],
						synthetic_names[which], "", 0);
	if (line.function_id)
		l->synthetic[which] = profile_add_location(l->p, 0, 0, &line, 1);
	return l->synthetic[which];
}

/*
 * Location ids for a stored stack (leaf first), with a synthetic root frame when the
 * stack was cut. ids has room for n + 1. Returns the count, or 0 when out of memory.
 */
static size_t stack_locations(struct locs *l, uint32_t stack_id, uint64_t *ids)
{
	const uint64_t *pcs;
	unsigned flags;
	int n = stacks_get(stack_id, &pcs, &flags);
	size_t k = 0;

	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		uint64_t id = location(l, pcs[i]);

		if (id)
			ids[k++] = id;
	}
	if (flags & UNWIND_TRUNCATED)
		ids[k++] = synthetic(l, SYN_TRUNCATED);
	else if ((flags & UNWIND_INCOMPLETE) || k == 0)
		ids[k++] = synthetic(l, SYN_INCOMPLETE);
	return ids[k - 1] ? k : 0;
}

/* --- copying records ------------------------------------------------------------------ */

struct rec {
	uint32_t id;
	struct records_key key;
	int64_t v[RECORDS_VALUES];
};

struct recs {
	struct rec *r;
	size_t n, cap;
	bool failed;
};

static void copy_one(void *arg, uint32_t id, const struct records_key *k, const int64_t *v)
{
	struct recs *rs = arg;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		struct rec *nr = realloc(rs->r, cap * sizeof(*nr));

		if (!nr) {
			rs->failed = true;
			return;
		}
		rs->r = nr;
		rs->cap = cap;
	}
	rs->r[rs->n].id = id;
	rs->r[rs->n].key = *k;
	memcpy(rs->r[rs->n].v, v, sizeof(rs->r[rs->n].v));
	rs->n++;
}

/*
 * The records of k's window: a copy of the live table, or of k->now, less k->base, with
 * the records that have nothing in the window left out.
 */
static int copy_records(const struct dump_kind *k, struct recs *rs)
{
	size_t kept = 0;

	memset(rs, 0, sizeof(*rs));
	if (!k->now)
		records_foreach(k->records, copy_one, rs);
	for (uint32_t id = 1; k->now && id <= k->now->n; id++) {
		const struct records_key *key = records_key(k->records, id);

		if (key)
			copy_one(rs, id, key, k->now->v[id - 1]);
	}
	if (rs->failed) {
		free(rs->r);
		rs->r = NULL;
		return -ENOMEM;
	}
	if (!k->now && !k->base)
		return 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct rec *r = &rs->r[i];
		bool any = false;

		for (int j = 0; j < RECORDS_VALUES; j++) {
			if (k->base && r->id <= k->base->n)
				r->v[j] -= k->base->v[r->id - 1][j];
			any |= r->v[j] != 0;
		}
		if (any)
			rs->r[kept++] = *r;
	}
	rs->n = kept;
	return 0;
}

static void read_one(void *arg, uint32_t id, const struct records_key *k, const int64_t *v)
{
	struct dump_reading *rd = arg;

	if (id <= rd->n)
		memcpy(rd->v[id - 1], v, sizeof(rd->v[id - 1]));
}

int dump_read(struct records *r, struct dump_reading *out)
{
	/* Records published after this load are left for the next reading, whole. */
	out->n = r->index ? atomic_load(&r->n) : 0;
	if (out->n > r->max)
		out->n = r->max;
	out->v = calloc(out->n ? out->n : 1, sizeof(*out->v));
	if (!out->v) {
		out->n = 0;
		return -ENOMEM;
	}
	records_foreach(r, read_one, out);
	return 0;
}

void dump_reading_free(struct dump_reading *rd)
{
	free(rd->v);
	rd->v = NULL;
	rd->n = 0;
}

/* --- writing ---------------------------------------------------------------------------- */

int dump_write_data(const char *path, const char *kind, const void *buf, size_t len)
{
	char tmp[4096 + 64], line[4096 + 64];
	const char *slash = strrchr(path, '/');
	int fd, rc;

	if (slash)
		snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp.%ld", (int)(slash - path), path, slash + 1,
			 (long)getpid());
	else
		snprintf(tmp, sizeof(tmp), ".%s.tmp.%ld", path, (long)getpid());
	fd = dump_open_fn(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = gz_write_all(fd, buf, len);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
out:
	if (rc < 0) {
		log_warn("cannot write profile '%s': %s", path, strerror(-rc));
		return rc;
	}
	if (kind) {
		snprintf(line, sizeof(line), "profile %s %s", kind, path);
		log_handshake_sig(line);
	}
	return 0;
}

int dump_write(const char *path, const char *kind, const struct profile *p)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	rc = profile_serialize_gz(p, &buf, &len);
	if (rc < 0) {
		log_warn("cannot write profile '%s': %s", path, strerror(-rc));
		return rc;
	}
	rc = dump_write_data(path, kind, buf, len);
	free(buf);
	return rc;
}

/* --- building a profile ------------------------------------------------------------------ */

/* Thread labels: the name and the tid, so -tagfocus=thread=worker works. */
static size_t thread_labels(const struct records_key *k, char name[16], struct profile_label *lb)
{
	size_t n = 0;

	threads_name((uint32_t)k->w[1], name);
	if (name[0]) {
		lb[n].key = "thread";
		lb[n].str = name;
		n++;
	}
	lb[n].key = "tid";
	lb[n].str = NULL;
	lb[n].num = (int64_t)(k->w[0] >> 32);
	lb[n].num_unit = NULL;
	return n + 1;
}

static int describe(struct profile *p, const struct dump_kind *k, size_t *n_types)
{
	size_t n = 0;
	int rc = 0;

	for (; n < DUMP_TYPES_MAX && k->types[2 * n]; n++)
		rc |= profile_add_sample_type(p, k->types[2 * n], k->types[2 * n + 1]);
	rc |= profile_set_period(p, k->period_type, k->period_unit, k->period);
	if (k->default_type)
		rc |= profile_set_default_sample_type(p, k->default_type);
	profile_set_time(p, k->time_ns, k->duration_ns);
	if (k->comment)
		rc |= profile_add_comment(p, k->comment);
	*n_types = n;
	return rc ? -ENOMEM : 0;
}

struct profile *dump_build(const struct dump_kind *k)
{
	struct profile *p = profile_new();
	uint64_t *ids = NULL;
	struct recs rs = { 0 };
	struct locs l = { 0 };
	size_t n_types;
	int rc = -ENOMEM;

	if (!p || locs_init(&l, p) < 0 || copy_records(k, &rs) < 0)
		goto out;
	ids = malloc((CPROF_DEPTH_MAX + 2) * sizeof(*ids));
	if (!ids || describe(p, k, &n_types) < 0)
		goto out;
	/* Symbolize everything first: a mapping's has_* flags need every one of its addresses. */
	for (size_t i = 0; i < rs.n; i++) {
		const uint64_t *pcs;
		unsigned flags;
		int n = stacks_get((uint32_t)rs.r[i].key.w[0], &pcs, &flags);

		for (int j = 0; j < n; j++)
			note(&l, pcs[j]);
	}
	rc = add_mappings(&l);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < rs.n; i++) {
		struct profile_label lb[2 * DUMP_LABELS_MAX + 2];
		struct dump_label dl[2 * DUMP_LABELS_MAX];
		int64_t v[DUMP_TYPES_MAX] = { 0 };
		char name[16], scratch[256];
		size_t n, nl = 0;
		int extra = k->sample(k->arg, &rs.r[i].key, rs.r[i].v, v, dl, scratch);

		if (extra < 0)
			continue;
		if (extra > DUMP_LABELS_MAX)
			extra = DUMP_LABELS_MAX;
		/* The program's own labels (cprof.h), from the record's label set. */
		extra += (int)labels_get((uint32_t)(rs.r[i].key.w[1] >> 32), dl + extra,
					 DUMP_LABELS_MAX);
		n = stack_locations(&l, (uint32_t)rs.r[i].key.w[0], ids);
		if (k->thread_labels)
			nl = thread_labels(&rs.r[i].key, name, lb);
		for (int j = 0; j < extra; j++, nl++) {
			lb[nl].key = dl[j].key;
			lb[nl].str = dl[j].str;
			lb[nl].num = dl[j].num;
			lb[nl].num_unit = dl[j].unit;
		}
		if (n && profile_add_sample(p, ids, n, v, lb, nl) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (k->lost) {
		ids[0] = synthetic(&l, SYN_LOST);
		if (ids[0] && profile_add_sample(p, ids, 1, k->lost, NULL, 0) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = 0;
out:
	locs_free(&l);
	free(ids);
	free(rs.r);
	if (rc < 0) {
		log_warn("cannot build the %s profile: out of memory", k->kind);
		profile_free(p);
		return NULL;
	}
	return p;
}

int dump_profile(const struct dump_kind *k, const char *path)
{
	struct profile *p = dump_build(k);
	int rc;

	if (!p)
		return -ENOMEM;
	rc = dump_write(path, k->kind, p);
	profile_free(p);
	return rc;
}

/* A one-frame synthetic stack named name (deduplicated by the builder). */
static uint64_t synthetic_named(struct locs *l, const char *name)
{
	struct profile_line line = { 0 };

	line.function_id = profile_add_function(l->p, name, name, "", 0);
	return line.function_id ? profile_add_location(l->p, 0, 0, &line, 1) : 0;
}

struct profile *dump_build_samples(const struct dump_kind *k, const struct dump_sample *samples,
				   size_t n)
{
	struct profile *p = profile_new();
	struct profile_label *lb = NULL;
	uint64_t *ids = NULL;
	struct locs l = { 0 };
	size_t n_types, max_labels = 0;
	int rc = -ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (samples[i].n_labels > max_labels)
			max_labels = samples[i].n_labels;
	if (!p || locs_init(&l, p) < 0)
		goto out;
	ids = malloc((CPROF_DEPTH_MAX + 2) * sizeof(*ids));
	lb = malloc((max_labels + 1) * sizeof(*lb));
	if (!ids || !lb || describe(p, k, &n_types) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const uint64_t *pcs;
		unsigned flags;
		int depth = samples[i].stack ? stacks_get(samples[i].stack, &pcs, &flags) : 0;

		for (int j = 0; j < depth; j++)
			note(&l, pcs[j]);
	}
	rc = add_mappings(&l);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct dump_sample *s = &samples[i];
		size_t nl = s->n_labels, nf;

		if (s->stack) {
			nf = stack_locations(&l, s->stack, ids);
		} else {
			ids[0] = synthetic_named(&l, s->frame ? s->frame : "[unknown]");
			nf = ids[0] ? 1 : 0;
		}
		for (size_t j = 0; j < nl; j++) {
			lb[j].key = s->labels[j].key;
			lb[j].str = s->labels[j].str;
			lb[j].num = s->labels[j].num;
			lb[j].num_unit = s->labels[j].unit;
		}
		rc = nf ? profile_add_sample(p, ids, nf, s->values, lb, nl) : -ENOMEM;
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	locs_free(&l);
	free(ids);
	free(lb);
	if (rc < 0) {
		log_warn("cannot build the %s profile: out of memory", k->kind);
		profile_free(p);
		return NULL;
	}
	return p;
}

/* --- named sources ------------------------------------------------------------------------ */

#define SOURCES_MAX 64

static const struct dump_source *_Atomic sources[SOURCES_MAX];
static pthread_mutex_t sources_lock = PTHREAD_MUTEX_INITIALIZER;

int dump_register(const struct dump_source *src)
{
	int rc = -ENOSPC;

	real_mutex_lock(&sources_lock);
	for (size_t i = 0; i < SOURCES_MAX; i++) {
		const struct dump_source *cur = atomic_load(&sources[i]);

		if (cur && !strcmp(cur->name, src->name)) {
			rc = -EEXIST;
			break;
		}
		if (!cur) {
			atomic_store(&sources[i], src);
			rc = 0;
			break;
		}
	}
	real_mutex_unlock(&sources_lock);
	return rc;
}

const struct dump_source *dump_find(const char *name)
{
	for (size_t i = 0; i < SOURCES_MAX; i++) {
		const struct dump_source *cur = atomic_load(&sources[i]);

		if (!cur)
			break;
		if (!strcmp(cur->name, name))
			return cur;
	}
	return NULL;
}

size_t dump_sources(const struct dump_source **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < SOURCES_MAX && n < max; i++) {
		const struct dump_source *cur = atomic_load(&sources[i]);

		if (!cur)
			break;
		out[n++] = cur;
	}
	return n;
}

static pthread_mutex_t building = PTHREAD_MUTEX_INITIALIZER;

void dump_fork_child(void)
{
	/* A build the background thread or a server worker was doing is gone with it. */
	pthread_mutex_init(&building, NULL);
	pthread_mutex_init(&sources_lock, NULL);
}

struct profile *dump_build_source(const char *name)
{
	const struct dump_source *src = dump_find(name);
	struct dump_kind k;
	struct profile *p = NULL;

	if (!src)
		return NULL;
	if (src->build)
		return src->build();
	/* One describe-and-build at a time: a source's describe storage is reused. */
	real_mutex_lock(&building);
	memset(&k, 0, sizeof(k));
	if (src->describe(&k) == 0)
		p = dump_build(&k);
	real_mutex_unlock(&building);
	return p;
}
