/*
 * modules.c: snapshots of the loaded objects (for the unwinder's CFI lookups) and of the
 * writable regions (for its stack bounds). Built in normal context with dl_iterate_phdr
 * and /proc/self/maps; read lock-free in signal context under a grace-period scheme in
 * the style of userspace RCU: readers count themselves in one of two epochs, and a writer
 * frees a retired snapshot only after both epochs have drained once.
 */
#include <elf.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "limits.h"
#include "log.h"
#include "modules.h"
#include "real.h"

struct modules_snap {
	void **copies;		/* unwind tables copied for objects loaded after start-up */
	size_t n_copies;
	size_t n;
	struct module m[];
};

struct regions_snap {
	size_t n;
	struct { uint64_t lo, hi; } r[];
};

static _Atomic(struct modules_snap *) cur_modules;
static _Atomic unsigned generation;
static _Atomic(struct regions_snap *) cur_regions;
static _Atomic bool regions_missed;	/* an sp outside every region: re-read them */
static _Atomic unsigned long epoch;
static _Atomic long readers[2];
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;
static size_t n_initial_objects;
static unsigned long long seen_adds, seen_subs;

/* DW_EH_PE pointer encodings used by .eh_frame_hdr. */
#define PE_OMIT		0xff
#define PE_UDATA4	0x03
#define PE_SDATA4	0x0b
#define PE_PCREL	0x10
#define PE_DATAREL	0x30

/* Finds the binary search table of an .eh_frame_hdr (version 1, datarel sdata4 pairs). */
static bool parse_hdr(const uint8_t *hdr, const uint8_t **table, uint32_t *n)
{
	const uint8_t *p = hdr + 4;
	int32_t count;

	if (hdr[0] != 1 || hdr[3] != (PE_DATAREL | PE_SDATA4))
		return false;
	/* eh_frame_ptr: pcrel sdata4 in every linker we know; skip its 4 bytes. */
	if ((hdr[1] & 0x0f) != PE_SDATA4 && (hdr[1] & 0x0f) != PE_UDATA4)
		return false;
	p += 4;
	if (hdr[2] != PE_UDATA4 && hdr[2] != PE_SDATA4)
		return false;
	memcpy(&count, p, 4);
	p += 4;
	if (count <= 0)
		return false;
	*table = p;
	*n = (uint32_t)count;
	return true;
}

struct build {
	struct module *m;
	size_t n, cap;
	void **copies;
	size_t n_copies, cap_copies;
	size_t index;		/* object index in load order */
	uint64_t self;		/* an address inside libcprof.so */
	bool failed;
};

static bool in_range(uint64_t lo, uint64_t hi, uint64_t at, uint64_t len)
{
	return at >= lo && at < hi && hi - at >= len;
}

/* The length of the CIE or FDE at p (4-byte form only), or 0 when it is out of bounds. */
static uint64_t record_len(uint64_t lo, uint64_t hi, uint64_t p)
{
	uint32_t len;

	if (!in_range(lo, hi, p, 4))
		return 0;
	memcpy(&len, (const void *)(uintptr_t)p, 4);
	if (len == 0 || len == 0xffffffffu || !in_range(lo, hi, p, 4 + (uint64_t)len))
		return 0;
	return 4 + (uint64_t)len;
}

/*
 * The span of memory the unwinder reads for this object: the hdr, its table, and every
 * FDE and CIE the table leads to. False when a record lies outside the object.
 */
static bool table_span(const uint8_t *hdr, const uint8_t *table, uint32_t n, uint64_t obj_lo,
		       uint64_t obj_hi, uint64_t *lo, uint64_t *hi)
{
	uint64_t h = (uint64_t)(uintptr_t)hdr;

	*lo = h;
	*hi = (uint64_t)(uintptr_t)table + 8ull * n;
	if (!in_range(obj_lo, obj_hi, h, *hi - h))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		int32_t rel;
		uint32_t cie_off;
		uint64_t fde, fde_len, cie, cie_len;

		memcpy(&rel, table + 8ull * i + 4, 4);
		fde = h + (uint64_t)(int64_t)rel;
		fde_len = record_len(obj_lo, obj_hi, fde);
		if (!fde_len || fde_len < 8)
			return false;
		memcpy(&cie_off, (const void *)(uintptr_t)(fde + 4), 4);
		cie = fde + 4 - cie_off;
		cie_len = record_len(obj_lo, obj_hi, cie);
		if (!cie_off || !cie_len)
			return false;
		if (fde < *lo)
			*lo = fde;
		if (cie < *lo)
			*lo = cie;
		if (fde + fde_len > *hi)
			*hi = fde + fde_len;
		if (cie + cie_len > *hi)
			*hi = cie + cie_len;
	}
	return true;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *na;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? 2 * *cap : 64;
	na = realloc(*arr, ncap * elem);
	if (!na)
		return false;
	*arr = na;
	*cap = ncap;
	return true;
}

static int collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build *b = arg;
	const uint8_t *hdr = NULL, *table = NULL;
	uint64_t obj_lo = UINT64_MAX, obj_hi = 0, data_lo = 0, data_hi = 0;
	int64_t bias = 0;
	uint32_t n_fdes = 0;
	bool initial = b->index++ < n_initial_objects;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_GNU_EH_FRAME)
			hdr = (const uint8_t *)(uintptr_t)lo;
		if (ph->p_type == PT_LOAD) {
			if (lo < obj_lo)
				obj_lo = lo;
			if (lo + ph->p_memsz > obj_hi)
				obj_hi = lo + ph->p_memsz;
		}
	}
	if (hdr && !parse_hdr(hdr, &table, &n_fdes))
		hdr = NULL;
	if (hdr && initial) {
		data_lo = obj_lo;
		data_hi = obj_hi;
		if (!in_range(obj_lo, obj_hi, (uint64_t)(uintptr_t)table, 8ull * n_fdes))
			hdr = NULL;
	} else if (hdr) {
		/* Loaded after start-up, so it may be unloaded: read a copy of its tables. */
		uint64_t lo, hi;
		uint8_t *copy;

		if (!table_span(hdr, table, n_fdes, obj_lo, obj_hi, &lo, &hi) ||
		    !grow((void **)&b->copies, &b->cap_copies, b->n_copies, sizeof(void *)) ||
		    !(copy = malloc(hi - lo))) {
			hdr = NULL;
		} else {
			memcpy(copy, (const void *)(uintptr_t)lo, hi - lo);
			b->copies[b->n_copies++] = copy;
			bias = (int64_t)(lo - (uint64_t)(uintptr_t)copy);
			hdr = copy + ((uint64_t)(uintptr_t)hdr - lo);
			table = copy + ((uint64_t)(uintptr_t)table - lo);
			data_lo = (uint64_t)(uintptr_t)copy;
			data_hi = data_lo + (hi - lo);
		}
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		struct module *m;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz)
			continue;
		if (b->n >= CPROF_MODULES_MAX ||
		    !grow((void **)&b->m, &b->cap, b->n, sizeof(struct module))) {
			b->failed = true;
			return 1;
		}
		m = &b->m[b->n++];
		m->lo = info->dlpi_addr + ph->p_vaddr;
		m->hi = m->lo + ph->p_memsz;
		m->data_lo = data_lo;
		m->data_hi = data_hi;
		m->bias = bias;
		m->eh_frame_hdr = hdr;
		m->table = table;
		m->n_fdes = hdr ? n_fdes : 0;
		/* libcprof.so is a shared object, never the (nameless) executable. */
		m->is_self = info->dlpi_name && info->dlpi_name[0] &&
			     b->self >= m->lo && b->self < m->hi;
		m->is_initial = initial;
	}
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
		seen_adds = info->dlpi_adds;
		seen_subs = info->dlpi_subs;
	}
	return 0;
}

static void snap_free_copies(struct modules_snap *s)
{
	for (size_t i = 0; i < s->n_copies; i++)
		free(s->copies[i]);
	free(s->copies);
}

static void snap_free(struct modules_snap *s)
{
	if (s) {
		snap_free_copies(s);
		free(s);
	}
}

static int by_lo(const void *a, const void *b)
{
	const struct module *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Waits until no reader can hold a pointer published before this call. */
static void synchronize(void)
{
	for (int phase = 0; phase < 2; phase++) {
		unsigned long old = atomic_fetch_add(&epoch, 1) & 1;
		struct timespec pause = { 0, 50000 };

		for (int spins = 0; atomic_load(&readers[old]) != 0; spins++) {
			if (spins < 100)
				sched_yield();
			else
				nanosleep(&pause, NULL);
		}
	}
}

/* Builds and publishes a snapshot, then frees the old one after a grace period. */
static int build_modules(void)
{
	struct build b = { .self = (uint64_t)(uintptr_t)&build_modules };
	struct modules_snap *snap, *old;

	dl_iterate_phdr(collect, &b);
	snap = b.failed ? NULL : malloc(sizeof(*snap) + b.n * sizeof(struct module));
	if (!snap) {
		struct modules_snap tmp = { b.copies, b.n_copies, 0 };

		free(b.m);
		snap_free_copies(&tmp);
		log_warn("cannot list the loaded objects: too many or out of memory");
		return -ENOMEM;
	}
	memcpy(snap->m, b.m, b.n * sizeof(struct module));
	snap->n = b.n;
	snap->copies = b.copies;
	snap->n_copies = b.n_copies;
	free(b.m);
	qsort(snap->m, snap->n, sizeof(snap->m[0]), by_lo);
	/*
	 * Swap, then count: a reader loads the generation before the snapshot, so whoever
	 * sees the new generation also sees the new snapshot, and entries cached from the old
	 * one keep the old generation.
	 */
	old = atomic_exchange(&cur_modules, snap);
	atomic_fetch_add(&generation, 1);
	synchronize();
	snap_free(old);
	return 0;
}

static int count_objects(struct dl_phdr_info *info, size_t size, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

int modules_init(void)
{
	int rc;

	real_mutex_lock(&writer);
	dl_iterate_phdr(count_objects, &n_initial_objects);
	rc = build_modules();
	real_mutex_unlock(&writer);
	if (rc == 0)
		rc = modules_regions_refresh();
	return rc;
}

int modules_refresh(void)
{
	int rc;

	real_mutex_lock(&writer);
	rc = build_modules();
	real_mutex_unlock(&writer);
	return rc;
}

static int read_counters(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;

	if (size < offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		return 1;
	c[0] = info->dlpi_adds;
	c[1] = info->dlpi_subs;
	return 1;
}

bool modules_changed(void)
{
	unsigned long long c[2] = { 0, 0 };
	bool changed;

	dl_iterate_phdr(read_counters, c);
	real_mutex_lock(&writer);
	changed = c[0] != seen_adds || c[1] != seen_subs;
	real_mutex_unlock(&writer);
	return changed;
}

/* Reads all of /proc/self/maps into a malloc'd, NUL-terminated buffer. */
static char *read_maps(void)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	/* Not /proc/self: a main thread that called pthread_exit has no maps there. */
	int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

int modules_regions_refresh(void)
{
	struct regions_snap *snap, *old;
	char *maps = read_maps(), *line;
	size_t lines = 0, n = 0;

	if (!maps)
		return -errno;
	for (char *p = maps; *p; p++)
		lines += *p == '\n';
	snap = malloc(sizeof(*snap) + (lines + 1) * sizeof(snap->r[0]));
	if (!snap) {
		free(maps);
		return -ENOMEM;
	}
	for (line = maps; *line; ) {
		char *end = strchr(line, '\n'), *perm;
		uint64_t lo, hi;

		if (end)
			*end = 0;
		lo = strtoull(line, &perm, 16);
		hi = strtoull(perm + 1, &perm, 16);
		/* Stacks are private, readable and writable: "rw-p". */
		if (perm[0] == ' ' && perm[1] == 'r' && perm[2] == 'w' && hi > lo) {
			if (n && snap->r[n - 1].hi == lo)
				snap->r[n - 1].hi = hi;
			else if (n < CPROF_REGIONS_MAX) {
				snap->r[n].lo = lo;
				snap->r[n].hi = hi;
				n++;
			}
		}
		if (!end)
			break;
		line = end + 1;
	}
	free(maps);
	snap->n = n;
	real_mutex_lock(&writer);
	old = atomic_exchange(&cur_regions, snap);
	synchronize();
	real_mutex_unlock(&writer);
	free(old);
	return 0;
}

void modules_fork_prepare(void)
{
	real_mutex_lock(&writer);
}

void modules_fork_parent(void)
{
	real_mutex_unlock(&writer);
}

void modules_fork_child(void)
{
	/* Readers that were in other threads are gone with them. */
	atomic_store(&readers[0], 0);
	atomic_store(&readers[1], 0);
	real_mutex_unlock(&writer);
}

/* --- signal context --- */

int modules_enter_sig(void)
{
	int e = (int)(atomic_load(&epoch) & 1);

	atomic_fetch_add(&readers[e], 1);
	return e;
}

void modules_leave_sig(int token)
{
	atomic_fetch_sub_explicit(&readers[token], 1, memory_order_release);
}

unsigned modules_generation_sig(void)
{
	return atomic_load_explicit(&generation, memory_order_acquire) & 0xffff;
}

const struct module *modules_find_sig(uint64_t pc)
{
	struct modules_snap *s = atomic_load(&cur_modules);
	size_t lo = 0, hi;

	if (!s)
		return NULL;
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pc < s->m[mid].lo)
			hi = mid;
		else if (pc >= s->m[mid].hi)
			lo = mid + 1;
		else
			return &s->m[mid];
	}
	return NULL;
}

uint64_t modules_region_top_sig(uint64_t addr)
{
	struct regions_snap *s = atomic_load(&cur_regions);
	size_t lo = 0, hi;

	if (!s)
		return 0;
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < s->r[mid].lo)
			hi = mid;
		else if (addr >= s->r[mid].hi)
			lo = mid + 1;
		else
			return s->r[mid].hi;
	}
	atomic_store_explicit(&regions_missed, true, memory_order_relaxed);
	return 0;
}

bool modules_regions_missed(void)
{
	return atomic_exchange(&regions_missed, false);
}
