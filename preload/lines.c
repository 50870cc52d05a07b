/*
 * lines.c: DWARF .debug_line (versions 2 to 5) and inlined calls from .debug_info, for one
 * object. Line programs are indexed by sequence and decoded again on each lookup; inlined
 * calls become a sorted range table. Sections come from symbols.c; every read is checked
 * against its section, so corrupt DWARF yields fewer lines, never a crash. Normal context.
 */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "lines.h"

#define LINES_DEPTH_MAX		256	/* DIE nesting followed */
#define LINES_INLINE_FRAMES_MAX	64	/* inlined calls at one address */
#define LINES_ORIGIN_HOPS_MAX	8	/* abstract_origin/specification chain for a name */
#define LINES_CKPT_ROWS		32	/* rows between checkpoints in a sequence */

enum {
	SEC_LINE, SEC_LINE_STR, SEC_STR, SEC_INFO, SEC_ABBREV, SEC_RANGES, SEC_RNGLISTS,
	SEC_ADDR, SEC_STR_OFFSETS, SEC_N
};
static const char *const sec_names[SEC_N] = {
	".debug_line", ".debug_line_str", ".debug_str", ".debug_info", ".debug_abbrev",
	".debug_ranges", ".debug_rnglists", ".debug_addr", ".debug_str_offsets",
};

/* DWARF constants used here (DWARF 5, section 7). */
enum {
	DW_TAG_compile_unit = 0x11, DW_TAG_partial_unit = 0x3c,
	DW_TAG_inlined_subroutine = 0x1d,
	DW_AT_name = 0x03, DW_AT_stmt_list = 0x10, DW_AT_low_pc = 0x11, DW_AT_high_pc = 0x12,
	DW_AT_comp_dir = 0x1b, DW_AT_abstract_origin = 0x31, DW_AT_specification = 0x47,
	DW_AT_ranges = 0x55, DW_AT_call_file = 0x58, DW_AT_call_line = 0x59,
	DW_AT_linkage_name = 0x6e, DW_AT_str_offsets_base = 0x72, DW_AT_addr_base = 0x73,
	DW_AT_rnglists_base = 0x74, DW_AT_MIPS_linkage_name = 0x2007,
	DW_FORM_addr = 0x01, DW_FORM_block2 = 0x03, DW_FORM_block4 = 0x04, DW_FORM_data2 = 0x05,
	DW_FORM_data4 = 0x06, DW_FORM_data8 = 0x07, DW_FORM_string = 0x08, DW_FORM_block = 0x09,
	DW_FORM_block1 = 0x0a, DW_FORM_data1 = 0x0b, DW_FORM_flag = 0x0c, DW_FORM_sdata = 0x0d,
	DW_FORM_strp = 0x0e, DW_FORM_udata = 0x0f, DW_FORM_ref_addr = 0x10, DW_FORM_ref1 = 0x11,
	DW_FORM_ref2 = 0x12, DW_FORM_ref4 = 0x13, DW_FORM_ref8 = 0x14, DW_FORM_ref_udata = 0x15,
	DW_FORM_indirect = 0x16, DW_FORM_sec_offset = 0x17, DW_FORM_exprloc = 0x18,
	DW_FORM_flag_present = 0x19, DW_FORM_strx = 0x1a, DW_FORM_addrx = 0x1b,
	DW_FORM_ref_sup4 = 0x1c, DW_FORM_strp_sup = 0x1d, DW_FORM_data16 = 0x1e,
	DW_FORM_line_strp = 0x1f, DW_FORM_ref_sig8 = 0x20, DW_FORM_implicit_const = 0x21,
	DW_FORM_loclistx = 0x22, DW_FORM_rnglistx = 0x23, DW_FORM_ref_sup8 = 0x24,
	DW_FORM_strx1 = 0x25, DW_FORM_strx2 = 0x26, DW_FORM_strx3 = 0x27, DW_FORM_strx4 = 0x28,
	DW_FORM_addrx1 = 0x29, DW_FORM_addrx2 = 0x2a, DW_FORM_addrx3 = 0x2b,
	DW_FORM_addrx4 = 0x2c, DW_FORM_GNU_addr_index = 0x1f01, DW_FORM_GNU_str_index = 0x1f02,
	DW_FORM_GNU_ref_alt = 0x1f20, DW_FORM_GNU_strp_alt = 0x1f21,
	DW_LNCT_path = 1, DW_LNCT_directory_index = 2,
	DW_LNS_copy = 1, DW_LNS_advance_pc, DW_LNS_advance_line, DW_LNS_set_file,
	DW_LNS_set_column, DW_LNS_negate_stmt, DW_LNS_set_basic_block, DW_LNS_const_add_pc,
	DW_LNS_fixed_advance_pc,
	DW_LNE_end_sequence = 1, DW_LNE_set_address = 2,
	DW_UT_compile = 1, DW_UT_partial = 3,
	DW_RLE_end_of_list = 0, DW_RLE_base_addressx, DW_RLE_startx_endx, DW_RLE_startx_length,
	DW_RLE_offset_pair, DW_RLE_base_address, DW_RLE_start_end, DW_RLE_start_length,
};

struct sect {
	uint8_t *data;
	size_t size;
};

/* A bounded reader: reads past end set bad and return zeros, so callers check once. */
struct cur {
	const uint8_t *p, *end;
	bool bad;
};

/*
 * One line program header (a "unit" of .debug_line). Offsets are into .debug_line, which
 * lines_new keeps under 4 GiB.
 */
struct unit {
	uint32_t off;		/* the unit_length field */
	uint32_t tables;	/* directory and file tables */
	uint32_t prog;		/* first opcode */
	uint32_t end;		/* end of the unit */
	uint32_t std_lens;	/* standard_opcode_lengths */
	const char *comp_dir;	/* v2-4: the CU's DW_AT_comp_dir (in l->strs), or NULL */
	uint16_t version;
	uint8_t offset_size, addr_size, min_inst, max_ops, default_is_stmt;
	uint8_t line_range, opcode_base;
	int8_t line_base;
};

/* One sequence: rows [lo, hi) decoded from .debug_line offset ops in unit. */
struct seq {
	uint64_t lo, hi;
	uint64_t max_hi;	/* largest hi of this and every earlier seq (after sorting) */
	uint32_t unit;
	uint32_t ops;
	uint32_t ck0, n_ck;	/* its checkpoints: l->cks[ck0 .. ck0 + n_ck) */
};

/*
 * Registers after every LINES_CKPT_ROWS-th row of a sequence, and the opcode that follows:
 * a lookup decodes from the nearest one instead of from the start of a long sequence.
 */
struct ckpt {
	uint64_t addr;
	uint32_t ops;
	uint32_t file;
	uint32_t line;
	uint32_t op_index;
};

/* One address range of an inlined call. */
struct inl {
	uint64_t lo, hi;
	uint64_t max_hi;	/* as in struct seq */
	const char *name;	/* the inlined function (in l->strs), "??" when unnamed */
	uint32_t unit;		/* line unit that call_file indexes, UINT32_MAX if none */
	uint32_t file;		/* DW_AT_call_file */
	uint32_t line;		/* DW_AT_call_line */
	uint32_t depth;		/* inlined calls enclosing it, itself included */
};

/* Interned strings: an open-addressing set of malloc'd copies. */
struct strset {
	char **slot;
	size_t cap, n;
};

/* (unit, file) -> path in strs, and DIE offset -> name in strs. */
struct ptrmap {
	uint64_t *key;		/* key + 1; 0 means empty */
	const char **val;
	size_t cap, n;
};

struct lines {
	struct sect sec[SEC_N];
	struct unit *units;
	size_t n_units;
	struct seq *seqs;
	size_t n_seqs;
	struct ckpt *cks;
	size_t n_cks;
	struct inl *inls;
	size_t n_inls;
	struct strset strs;
	struct ptrmap paths;
	bool has_inlines;
};

/* --- bounded reading ------------------------------------------------------------------ */

static struct cur cur_at(const struct sect *s, size_t off, size_t end)
{
	struct cur c = { s->data, s->data, true };

	if (s->data && off <= end && end <= s->size) {
		c.p = s->data + off;
		c.end = s->data + end;
		c.bad = false;
	}
	return c;
}

static size_t cur_left(const struct cur *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

static uint64_t cur_u(struct cur *c, size_t n)
{
	uint64_t v = 0;

	if (n > 8 || cur_left(c) < n) {
		c->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static uint8_t cur_u8(struct cur *c)
{
	return (uint8_t)cur_u(c, 1);
}

static uint64_t cur_uleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (!c->bad) {
		if (c->p >= c->end) {
			c->bad = true;
			break;
		}
		uint8_t b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	return 0;
}

static int64_t cur_sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	do {
		if (c->bad || c->p >= c->end) {
			c->bad = true;
			return 0;
		}
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

static void cur_skip(struct cur *c, uint64_t n)
{
	if (n > cur_left(c))
		c->bad = true;
	else
		c->p += n;
}

/* A NUL-terminated string inside the reader's range, or NULL. */
static const char *cur_str(struct cur *c)
{
	size_t left = cur_left(c);
	const uint8_t *nul = left ? memchr(c->p, 0, left) : NULL;
	const char *s = (const char *)c->p;

	if (!nul) {
		c->bad = true;
		return NULL;
	}
	c->p = nul + 1;
	return s;
}

/* The string at off in a string section, or NULL when off or its NUL is out of bounds. */
static const char *sect_str(const struct sect *s, uint64_t off)
{
	if (!s->data || off >= s->size || !memchr(s->data + off, 0, s->size - off))
		return NULL;
	return (const char *)s->data + off;
}

/* --- interned strings and small maps ---------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static uint64_t hash_u64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static int strset_grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64;
	char **slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++) {
		char *s = set->slot[i];
		if (!s)
			continue;
		size_t j = hash_bytes(s, strlen(s)) & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = s;
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
	return 0;
}

/* The interned copy of s[0..len), or NULL when out of memory. */
static const char *strset_intern(struct strset *set, const char *s, size_t len)
{
	if ((set->n + 1) * 2 > set->cap && strset_grow(set))
		return NULL;
	size_t j = hash_bytes(s, len) & (set->cap - 1);
	for (; set->slot[j]; j = (j + 1) & (set->cap - 1)) {
		if (!strncmp(set->slot[j], s, len) && set->slot[j][len] == 0)
			return set->slot[j];
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = 0;
	set->slot[j] = copy;
	set->n++;
	return copy;
}

static void strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	memset(set, 0, sizeof(*set));
}

static const char **ptrmap_find(struct ptrmap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t j = hash_u64(key) & (m->cap - 1); m->key[j]; j = (j + 1) & (m->cap - 1)) {
		if (m->key[j] == key + 1)
			return &m->val[j];
	}
	return NULL;
}

static int ptrmap_put(struct ptrmap *m, uint64_t key, const char *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		uint64_t *keys = calloc(cap, sizeof(*keys));
		const char **vals = calloc(cap, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->key[i])
				continue;
			size_t j = hash_u64(m->key[i] - 1) & (cap - 1);
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = m->key[i];
			vals[j] = m->val[i];
		}
		free(m->key);
		free(m->val);
		m->key = keys;
		m->val = vals;
		m->cap = cap;
	}
	size_t j = hash_u64(key) & (m->cap - 1);
	while (m->key[j] && m->key[j] != key + 1)
		j = (j + 1) & (m->cap - 1);
	if (!m->key[j])
		m->n++;
	m->key[j] = key + 1;
	m->val[j] = val;
	return 0;
}

static void ptrmap_free(struct ptrmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

/* Room for one more element: the (maybe moved) array, or NULL with arr left as it was. */
static void *array_room(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(arr, ncap * size);
	if (p)
		*cap = ncap;
	return p;
}

/* --- attribute values ------------------------------------------------------------------- */

/* What a form's value needs from its unit: sizes and the DWARF 5 base offsets. */
struct fctx {
	uint16_t version;
	uint8_t offset_size, addr_size;
	uint64_t str_offsets_base, addr_base;
	bool have_str_offsets_base, have_addr_base;
};

struct val {
	uint64_t form;
	uint64_t u;		/* constants, offsets, indexes, addresses */
	const char *str;	/* DW_FORM_string */
};

/* Reads one value of form; v->u holds the raw number. -EINVAL for unknown forms. */
static int form_read(struct cur *c, uint64_t form, int64_t implicit, const struct fctx *f,
		     struct val *v)
{
	int hops = 0;

again:
	v->form = form;
	v->u = 0;
	v->str = NULL;
	switch (form) {
	case DW_FORM_addr:
		v->u = cur_u(c, f->addr_size);
		break;
	case DW_FORM_data1: case DW_FORM_ref1: case DW_FORM_flag: case DW_FORM_strx1:
	case DW_FORM_addrx1:
		v->u = cur_u(c, 1);
		break;
	case DW_FORM_data2: case DW_FORM_ref2: case DW_FORM_strx2: case DW_FORM_addrx2:
		v->u = cur_u(c, 2);
		break;
	case DW_FORM_strx3: case DW_FORM_addrx3:
		v->u = cur_u(c, 3);
		break;
	case DW_FORM_data4: case DW_FORM_ref4: case DW_FORM_ref_sup4: case DW_FORM_strx4:
	case DW_FORM_addrx4:
		v->u = cur_u(c, 4);
		break;
	case DW_FORM_data8: case DW_FORM_ref8: case DW_FORM_ref_sig8: case DW_FORM_ref_sup8:
		v->u = cur_u(c, 8);
		break;
	case DW_FORM_data16:
		cur_skip(c, 16);
		break;
	case DW_FORM_string:
		v->str = cur_str(c);
		break;
	case DW_FORM_block: case DW_FORM_exprloc:
		cur_skip(c, cur_uleb(c));
		break;
	case DW_FORM_block1:
		cur_skip(c, cur_u(c, 1));
		break;
	case DW_FORM_block2:
		cur_skip(c, cur_u(c, 2));
		break;
	case DW_FORM_block4:
		cur_skip(c, cur_u(c, 4));
		break;
	case DW_FORM_sdata:
		v->u = (uint64_t)cur_sleb(c);
		break;
	case DW_FORM_udata: case DW_FORM_ref_udata: case DW_FORM_strx: case DW_FORM_addrx:
	case DW_FORM_loclistx: case DW_FORM_rnglistx: case DW_FORM_GNU_addr_index:
	case DW_FORM_GNU_str_index:
		v->u = cur_uleb(c);
		break;
	case DW_FORM_strp: case DW_FORM_sec_offset: case DW_FORM_strp_sup: case DW_FORM_line_strp:
	case DW_FORM_GNU_ref_alt: case DW_FORM_GNU_strp_alt:
		v->u = cur_u(c, f->offset_size);
		break;
	case DW_FORM_ref_addr:
		v->u = cur_u(c, f->version <= 2 ? f->addr_size : f->offset_size);
		break;
	case DW_FORM_flag_present:
		v->u = 1;
		break;
	case DW_FORM_implicit_const:
		v->u = (uint64_t)implicit;
		break;
	case DW_FORM_indirect:
		form = cur_uleb(c);
		if (++hops > 4 || form == DW_FORM_implicit_const) {
			c->bad = true;
			return -EINVAL;
		}
		goto again;
	default:
		c->bad = true;
		return -EINVAL;
	}
	return c->bad ? -EINVAL : 0;
}

/* The string a value names, or NULL (unknown form, bad offset, or a dwz alt file). */
static const char *val_str(const struct lines *l, const struct fctx *f, const struct val *v)
{
	uint64_t idx = v->u;

	switch (v->form) {
	case DW_FORM_string:
		return v->str;
	case DW_FORM_strp:
		return sect_str(&l->sec[SEC_STR], v->u);
	case DW_FORM_line_strp:
		return sect_str(&l->sec[SEC_LINE_STR], v->u);
	case DW_FORM_strx: case DW_FORM_strx1: case DW_FORM_strx2: case DW_FORM_strx3:
	case DW_FORM_strx4: case DW_FORM_GNU_str_index: {
		const struct sect *so = &l->sec[SEC_STR_OFFSETS];
		/* No DW_AT_str_offsets_base: the first table, after its 8 or 16-byte header. */
		uint64_t base = f->have_str_offsets_base ? f->str_offsets_base :
			2u * f->offset_size;
		if (idx > so->size / f->offset_size)
			return NULL;
		struct cur c = cur_at(so, 0, so->size);
		cur_skip(&c, base);
		cur_skip(&c, idx * f->offset_size);
		uint64_t off = cur_u(&c, f->offset_size);
		return c.bad ? NULL : sect_str(&l->sec[SEC_STR], off);
	}
	default:
		return NULL;
	}
}

/* The address a value names (DW_FORM_addr or an index into .debug_addr): 0 or -EINVAL. */
static int val_addr(const struct lines *l, const struct fctx *f, const struct val *v,
		    uint64_t *addr)
{
	switch (v->form) {
	case DW_FORM_addr:
		*addr = v->u;
		return 0;
	case DW_FORM_addrx: case DW_FORM_addrx1: case DW_FORM_addrx2: case DW_FORM_addrx3:
	case DW_FORM_addrx4: case DW_FORM_GNU_addr_index: {
		const struct sect *sa = &l->sec[SEC_ADDR];
		if (!f->have_addr_base || !f->addr_size || v->u > sa->size / f->addr_size)
			return -EINVAL;
		struct cur c = cur_at(sa, 0, sa->size);
		cur_skip(&c, f->addr_base);
		cur_skip(&c, v->u * f->addr_size);
		*addr = cur_u(&c, f->addr_size);
		return c.bad ? -EINVAL : 0;
	}
	default:
		return -EINVAL;
	}
}

/* --- line program headers and file names ------------------------------------------------ */

/*
 * Parses the header of the unit at off. Returns 0 (u filled), -EAGAIN for a unit this
 * parser skips (unknown version, odd header), or -EINVAL when the section cannot be walked
 * further. *next is the offset of the following unit either way (unless -EINVAL).
 */
static int unit_parse(const struct lines *l, size_t off, struct unit *u, size_t *next)
{
	const struct sect *s = &l->sec[SEC_LINE];
	struct cur c = cur_at(s, off, s->size);
	uint64_t len = cur_u(&c, 4);

	memset(u, 0, sizeof(*u));
	u->off = off;
	u->offset_size = 4;
	if (len == 0xffffffffu) {
		len = cur_u(&c, 8);
		u->offset_size = 8;
	} else if (len >= 0xfffffff0u) {
		return -EINVAL;
	}
	if (c.bad || len > cur_left(&c))
		return -EINVAL;
	u->end = (size_t)(c.p - s->data) + len;
	*next = u->end;
	c.end = s->data + u->end;

	u->version = (uint16_t)cur_u(&c, 2);
	if (u->version < 2 || u->version > 5)
		return -EAGAIN;
	if (u->version >= 5) {
		u->addr_size = cur_u8(&c);
		cur_u8(&c);	/* segment_selector_size */
	}
	uint64_t hlen = cur_u(&c, u->offset_size);
	if (c.bad || hlen > cur_left(&c))
		return -EAGAIN;
	u->prog = (size_t)(c.p - s->data) + hlen;
	u->min_inst = cur_u8(&c);
	u->max_ops = u->version >= 4 ? cur_u8(&c) : 1;
	u->default_is_stmt = cur_u8(&c);
	u->line_base = (int8_t)cur_u8(&c);
	u->line_range = cur_u8(&c);
	u->opcode_base = cur_u8(&c);
	u->std_lens = (size_t)(c.p - s->data);
	cur_skip(&c, u->opcode_base ? u->opcode_base - 1u : 0);
	u->tables = (size_t)(c.p - s->data);
	if (c.bad || u->line_range == 0 || u->opcode_base == 0 || u->tables > u->prog)
		return -EAGAIN;
	if (u->max_ops == 0)
		u->max_ops = 1;
	if (u->addr_size > 8)
		return -EAGAIN;
	return 0;
}

/* A v5 entry format: (content type, form) pairs. */
struct lnct {
	uint64_t type, form;
};

static int lnct_read(struct cur *c, struct lnct fmt[], size_t *n_fmt)
{
	size_t n = cur_u8(c);

	if (n > 16) {
		c->bad = true;
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		fmt[i].type = cur_uleb(c);
		fmt[i].form = cur_uleb(c);
	}
	*n_fmt = n;
	return c->bad ? -EINVAL : 0;
}

/* Reads one v5 directory or file entry: its path and directory index. */
static int lnct_entry(const struct lines *l, struct cur *c, const struct lnct fmt[], size_t n,
		      const struct fctx *f, const char **path, uint64_t *dir)
{
	*path = NULL;
	*dir = 0;
	for (size_t i = 0; i < n; i++) {
		struct val v;
		if (fmt[i].form == DW_FORM_implicit_const || form_read(c, fmt[i].form, 0, f, &v))
			return -EINVAL;
		if (fmt[i].type == DW_LNCT_path)
			*path = val_str(l, f, &v);
		else if (fmt[i].type == DW_LNCT_directory_index)
			*dir = v.u;
	}
	return 0;
}

/*
 * Finds file number file of unit u: its name, its directory (NULL when none), and the
 * compilation directory. v2-4 count files from 1 and directory 0 is the compilation
 * directory (from .debug_info); v5 counts both from 0 and directory 0 is that directory.
 */
static int unit_file(const struct lines *l, const struct unit *u, uint64_t file,
		     const char **name, const char **dir, const char **comp)
{
	struct cur c = cur_at(&l->sec[SEC_LINE], u->tables, u->prog);
	struct fctx f = { u->version, u->offset_size, u->addr_size, 0, 0, false, false };
	uint64_t dir_idx = 0;
	const char *p;

	*name = *dir = NULL;
	*comp = u->comp_dir;
	if (u->version >= 5) {
		struct lnct dfmt[16], ffmt[16];
		size_t n_dfmt, n_ffmt;
		uint64_t d;

		if (lnct_read(&c, dfmt, &n_dfmt))
			return -EINVAL;
		struct cur dirs = c;
		uint64_t n_dirs = cur_uleb(&c);
		/* Every real entry takes at least a byte: a larger count is corrupt. */
		if (n_dirs > cur_left(&c))
			return -EINVAL;
		for (uint64_t i = 0; i < n_dirs; i++) {
			if (lnct_entry(l, &c, dfmt, n_dfmt, &f, &p, &d))
				return -EINVAL;
		}
		if (lnct_read(&c, ffmt, &n_ffmt))
			return -EINVAL;
		uint64_t n_files = cur_uleb(&c);
		if (c.bad || file >= n_files || n_files > cur_left(&c))
			return -ENOENT;
		for (uint64_t i = 0; i <= file; i++) {
			if (lnct_entry(l, &c, ffmt, n_ffmt, &f, &p, &d))
				return -EINVAL;
			*name = p;
			dir_idx = d;
		}
		if (!*name)
			return -EINVAL;
		/*
		 * Directory 0 is the compilation directory, yet addr2line and llvm-symbolizer
		 * both still put DW_AT_comp_dir in front of it when it is relative: so do we.
		 */
		cur_uleb(&dirs);
		for (uint64_t i = 0; i < n_dirs && i <= dir_idx; i++) {
			if (lnct_entry(l, &dirs, dfmt, n_dfmt, &f, &p, &d))
				return -EINVAL;
			if (i == 0 && !*comp)
				*comp = p;
			if (i == dir_idx)
				*dir = p;
		}
		return 0;
	}

	struct cur dirs = c;
	while ((p = cur_str(&c)) && *p)
		;
	if (c.bad || file == 0)
		return -ENOENT;
	for (uint64_t i = 1; *name == NULL; i++) {
		p = cur_str(&c);
		if (!p || !*p)
			return -ENOENT;
		dir_idx = cur_uleb(&c);
		cur_uleb(&c);	/* mtime */
		cur_uleb(&c);	/* length */
		if (c.bad)
			return -EINVAL;
		if (i == file)
			*name = p;
	}
	for (uint64_t i = 1; dir_idx > 0; i++) {
		p = cur_str(&dirs);
		if (!p || !*p)
			break;
		if (i == dir_idx) {
			*dir = p;
			break;
		}
	}
	return 0;
}

/*
 * The full path of file number file in unit u, joined as addr2line does: an absolute name
 * stands alone; otherwise directory/name, with the compilation directory in front when
 * the directory is relative or absent. Interned; "" when unknown.
 */
static const char *unit_path(struct lines *l, uint32_t unit, uint64_t file)
{
	uint64_t key = ((uint64_t)unit << 32) | (file & 0xffffffffu);
	const char **hit = ptrmap_find(&l->paths, key);
	const char *name, *dir, *comp;

	if (hit)
		return *hit;
	if (unit >= l->n_units || file > 0xffffffffu ||
	    unit_file(l, &l->units[unit], file, &name, &dir, &comp))
		return "";

	const char *part[3] = { NULL, NULL, name };
	if (name[0] != '/') {
		part[1] = dir;
		if (!dir || dir[0] != '/')
			part[0] = comp;
	}
	size_t len = 0;
	for (int i = 0; i < 3; i++)
		len += part[i] && *part[i] ? strlen(part[i]) + 1 : 0;
	char *buf = malloc(len + 1);
	if (!buf)
		return "";
	size_t at = 0;
	for (int i = 0; i < 3; i++) {
		if (!part[i] || !*part[i])
			continue;
		size_t n = strlen(part[i]);
		if (at && buf[at - 1] != '/')
			buf[at++] = '/';
		memcpy(buf + at, part[i], n);
		at += n;
	}
	buf[at] = 0;
	const char *path = strset_intern(&l->strs, buf, at);
	free(buf);
	if (!path)
		return "";
	ptrmap_put(&l->paths, key, path);
	return path;
}

/* --- the line-number state machine ------------------------------------------------------ */

/* The state-machine registers this file uses: a row, and where decoding can resume. */
struct row {
	uint64_t addr;
	uint64_t file;
	uint64_t line;		/* unsigned, so corrupt advances wrap instead of overflowing */
	uint32_t op_index;	/* VLIW operation index; 0 when max_ops is 1 */
	bool end;		/* DW_LNE_end_sequence */
};

/*
 * Called for each row: seq_start is where its sequence began and next the opcode after
 * the row, where decoding can resume with the row's registers. Nonzero stops the run.
 */
typedef int (*row_fn)(void *ctx, const struct row *r, size_t seq_start, size_t next);

static void row_reset(struct row *r)
{
	r->addr = 0;
	r->file = 1;
	r->line = 1;
	r->op_index = 0;
	r->end = false;
}

static void row_advance(const struct unit *u, struct row *r, uint64_t adv)
{
	if (u->max_ops == 1) {
		r->addr += u->min_inst * adv;
		return;
	}
	r->addr += u->min_inst * ((r->op_index + adv) / u->max_ops);
	r->op_index = (uint32_t)((r->op_index + adv) % u->max_ops);
}

/*
 * Runs unit u's line program from offset start to the unit's end, or to the first
 * end_sequence when one_seq. init holds the registers at start (a checkpoint), or NULL
 * for a sequence start. Returns 1 if fn stopped it, else 0.
 */
static int unit_run(const struct lines *l, const struct unit *u, size_t start,
		    const struct row *init, bool one_seq, row_fn fn, void *ctx)
{
	const struct sect *s = &l->sec[SEC_LINE];
	struct cur c = cur_at(s, start, u->end);
	struct cur lens = cur_at(s, u->std_lens, u->tables);
	struct row r;
	size_t seq_start = start;

	if (init)
		r = *init;
	else
		row_reset(&r);
	while (!c.bad && c.p < c.end) {
		uint8_t op = cur_u8(&c);

		if (op >= u->opcode_base) {
			uint8_t adj = op - u->opcode_base;
			row_advance(u, &r, adj / u->line_range);
			r.line += (uint64_t)(int64_t)(u->line_base + adj % u->line_range);
			if (fn(ctx, &r, seq_start, (size_t)(c.p - s->data)))
				return 1;
			continue;
		}
		switch (op) {
		case 0: {
			uint64_t len = cur_uleb(&c);
			if (len == 0 || len > cur_left(&c))
				return 0;
			const uint8_t *next = c.p + len;
			uint8_t sub = cur_u8(&c);
			if (sub == DW_LNE_end_sequence) {
				r.end = true;
				if (fn(ctx, &r, seq_start, (size_t)(next - s->data)))
					return 1;
				if (one_seq)
					return 0;
				row_reset(&r);
				seq_start = (size_t)(next - s->data);
			} else if (sub == DW_LNE_set_address && len - 1 <= 8) {
				r.addr = cur_u(&c, (size_t)(len - 1));
				r.op_index = 0;
			}
			/* Other extended opcodes (define_file, discriminators) make no rows. */
			c.p = next;
			break;
		}
		case DW_LNS_copy:
			if (fn(ctx, &r, seq_start, (size_t)(c.p - s->data)))
				return 1;
			break;
		case DW_LNS_advance_pc:
			row_advance(u, &r, cur_uleb(&c));
			break;
		case DW_LNS_advance_line:
			r.line += (uint64_t)cur_sleb(&c);
			break;
		case DW_LNS_set_file:
			r.file = cur_uleb(&c);
			break;
		case DW_LNS_const_add_pc:
			row_advance(u, &r, (255u - u->opcode_base) / u->line_range);
			break;
		case DW_LNS_fixed_advance_pc:
			r.addr += cur_u(&c, 2);
			r.op_index = 0;
			break;
		default: {
			/* Skip operands as the header declares them, standard or not. */
			struct cur n = lens;
			cur_skip(&n, op - 1u);
			uint8_t n_args = cur_u8(&n);
			for (uint8_t i = 0; i < n_args; i++)
				cur_uleb(&c);
			break;
		}
		}
	}
	return 0;
}

/* --- indexing ------------------------------------------------------------------------- */

struct indexer {
	struct lines *l;
	uint32_t unit;
	bool in_seq;
	uint64_t lo;
	size_t ops;
	uint32_t rows;		/* rows of the current sequence so far */
	size_t ck0;		/* its first checkpoint */
	size_t cap, cap_cks;
	int err;
};

static int index_checkpoint(struct indexer *ix, const struct row *r, size_t next)
{
	struct lines *l = ix->l;
	struct ckpt *cks = array_room(l->cks, l->n_cks, &ix->cap_cks, sizeof(*cks));

	if (!cks)
		return -ENOMEM;
	l->cks = cks;
	cks[l->n_cks++] = (struct ckpt){ r->addr, (uint32_t)next, (uint32_t)r->file,
		(uint32_t)(r->line <= UINT32_MAX ? r->line : 0), r->op_index };
	return 0;
}

static int index_row(void *ctx, const struct row *r, size_t seq_start, size_t next)
{
	struct indexer *ix = ctx;

	if (!ix->in_seq) {
		ix->in_seq = true;
		ix->lo = r->addr;
		ix->ops = seq_start;
		ix->rows = 0;
		ix->ck0 = ix->l->n_cks;
	}
	if (!r->end) {
		if (++ix->rows % LINES_CKPT_ROWS == 0 && index_checkpoint(ix, r, next)) {
			ix->err = -ENOMEM;
			return 1;
		}
		return 0;
	}
	ix->in_seq = false;
	/*
	 * Linkers leave sequences of discarded functions at address 0 (ld.bfd) or at -1/-2
	 * (lld tombstones); they would shadow real code.
	 */
	if (ix->lo == 0 || ix->lo >= r->addr || r->addr >= UINT64_MAX - 1) {
		ix->l->n_cks = ix->ck0;
		return 0;
	}
	struct seq sq = { ix->lo, r->addr, 0, ix->unit, (uint32_t)ix->ops, (uint32_t)ix->ck0,
			  (uint32_t)(ix->l->n_cks - ix->ck0) };
	struct seq *seqs = array_room(ix->l->seqs, ix->l->n_seqs, &ix->cap, sizeof(*seqs));
	if (!seqs) {
		ix->err = -ENOMEM;
		return 1;
	}
	ix->l->seqs = seqs;
	seqs[ix->l->n_seqs++] = sq;
	return 0;
}

static int range_cmp(uint64_t alo, uint64_t ahi, uint64_t blo, uint64_t bhi)
{
	if (alo != blo)
		return alo < blo ? -1 : 1;
	if (ahi != bhi)
		return ahi < bhi ? -1 : 1;
	return 0;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct seq *x = a, *y = b;
	int r = range_cmp(x->lo, x->hi, y->lo, y->hi);

	if (r)
		return r;
	return x->ops < y->ops ? -1 : x->ops > y->ops;
}

/* Whether some v5 unit names its files through .debug_str (DW_FORM_strp/strx). */
static bool units_use_str(const struct lines *l)
{
	for (size_t i = 0; i < l->n_units; i++) {
		const struct unit *u = &l->units[i];
		struct cur c = cur_at(&l->sec[SEC_LINE], u->tables, u->prog);
		struct lnct fmt[16];
		size_t n_fmt;

		if (u->version < 5)
			continue;
		/* Directory formats, then (after the directories) file formats: check both. */
		if (lnct_read(&c, fmt, &n_fmt))
			return true;
		for (size_t k = 0; k < n_fmt; k++) {
			if (fmt[k].form != DW_FORM_string && fmt[k].form != DW_FORM_line_strp &&
			    fmt[k].form != DW_FORM_udata && fmt[k].form != DW_FORM_data1 &&
			    fmt[k].form != DW_FORM_data2 && fmt[k].form != DW_FORM_data16)
				return true;
		}
	}
	return false;
}

static int index_units(struct lines *l)
{
	const struct sect *s = &l->sec[SEC_LINE];
	size_t cap_units = 0;
	struct indexer ix;
	size_t off = 0;

	memset(&ix, 0, sizeof(ix));
	ix.l = l;
	while (off < s->size && s->size - off >= 4) {
		struct unit u;
		size_t next = 0;
		int err = unit_parse(l, off, &u, &next);

		if (err == -EINVAL)
			break;
		off = next;
		if (err)
			continue;
		struct unit *units = array_room(l->units, l->n_units, &cap_units, sizeof(*units));
		if (!units)
			return -ENOMEM;
		l->units = units;
		units[l->n_units++] = u;
		ix.unit = (uint32_t)(l->n_units - 1);
		ix.in_seq = false;
		unit_run(l, &l->units[ix.unit], u.prog, NULL, false, index_row, &ix);
		if (ix.err)
			return ix.err;
		/* A sequence the unit left open has no end: drop its checkpoints. */
		if (ix.in_seq)
			l->n_cks = ix.ck0;
	}
	if (!l->n_seqs)
		return -ENOENT;
	qsort(l->seqs, l->n_seqs, sizeof(*l->seqs), seq_cmp);
	uint64_t max_hi = 0;
	for (size_t i = 0; i < l->n_seqs; i++) {
		if (l->seqs[i].hi > max_hi)
			max_hi = l->seqs[i].hi;
		l->seqs[i].max_hi = max_hi;
	}
	return 0;
}

/* The unit whose header is at .debug_line offset off, or UINT32_MAX. */
static uint32_t unit_by_offset(const struct lines *l, uint64_t off)
{
	size_t lo = 0, hi = l->n_units;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->units[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n_units && l->units[lo].off == off ? (uint32_t)lo : UINT32_MAX;
}

/* --- .debug_info: units, abbreviations, DIEs ------------------------------------------- */

struct abbrev {
	uint64_t code;
	uint64_t tag;
	size_t attr0, n_attrs;	/* slice of abbrevs.attrs */
	bool children;
};

struct abbrev_attr {
	uint64_t name, form;
	int64_t implicit;
};

struct abbrevs {
	size_t off;		/* offset in .debug_abbrev; SIZE_MAX when none parsed */
	struct abbrev *a;
	size_t n, cap;
	struct abbrev_attr *attrs;
	size_t n_attrs, cap_attrs;
};

struct cu {
	size_t off, die, end;
	size_t abbrev_off;
	uint8_t unit_type;
	struct fctx f;
	uint64_t rnglists_base;
	bool have_rnglists_base;
	uint64_t base;		/* the CU's DW_AT_low_pc: base of its range lists */
	uint32_t line_unit;
	struct abbrevs *ab;
};

/* The attributes of one DIE that this file uses. */
struct die {
	uint64_t tag;
	bool children;
	bool have_low, have_high, high_is_len, have_ranges;
	struct val low, high, ranges;
	uint64_t origin;	/* absolute .debug_info offset; 0 when none */
	const char *name, *linkage;
	uint64_t call_file, call_line;
	bool have_stmt_list;
	uint64_t stmt_list;
	const char *comp_dir;
};

static int abbrev_cmp(const void *a, const void *b)
{
	const struct abbrev *x = a, *y = b;

	return x->code < y->code ? -1 : x->code > y->code;
}

static int abbrevs_parse(const struct lines *l, size_t off, struct abbrevs *ab)
{
	const struct sect *s = &l->sec[SEC_ABBREV];
	struct cur c = cur_at(s, off, s->size);

	ab->off = SIZE_MAX;
	ab->n = ab->n_attrs = 0;
	while (!c.bad) {
		struct abbrev a = { 0 };
		a.code = cur_uleb(&c);
		if (a.code == 0)
			break;
		a.tag = cur_uleb(&c);
		a.children = cur_u8(&c) != 0;
		a.attr0 = ab->n_attrs;
		for (;;) {
			struct abbrev_attr at = { 0, 0, 0 };
			at.name = cur_uleb(&c);
			at.form = cur_uleb(&c);
			if (c.bad || (at.name == 0 && at.form == 0))
				break;
			if (at.form == DW_FORM_implicit_const)
				at.implicit = cur_sleb(&c);
			struct abbrev_attr *attrs = array_room(ab->attrs, ab->n_attrs,
							       &ab->cap_attrs, sizeof(*attrs));
			if (!attrs)
				return -ENOMEM;
			ab->attrs = attrs;
			attrs[ab->n_attrs++] = at;
		}
		a.n_attrs = ab->n_attrs - a.attr0;
		struct abbrev *as = array_room(ab->a, ab->n, &ab->cap, sizeof(*as));
		if (!as)
			return -ENOMEM;
		ab->a = as;
		as[ab->n++] = a;
	}
	if (c.bad)
		return -EINVAL;
	if (ab->n)
		qsort(ab->a, ab->n, sizeof(*ab->a), abbrev_cmp);
	ab->off = off;
	return 0;
}

static void abbrevs_free(struct abbrevs *ab)
{
	free(ab->a);
	free(ab->attrs);
	memset(ab, 0, sizeof(*ab));
	ab->off = SIZE_MAX;
}

static const struct abbrev *abbrev_find(const struct abbrevs *ab, uint64_t code)
{
	if (code - 1 < ab->n && ab->a[code - 1].code == code)
		return &ab->a[code - 1];
	struct abbrev key = { .code = code };
	return ab->n ? bsearch(&key, ab->a, ab->n, sizeof(*ab->a), abbrev_cmp) : NULL;
}

/*
 * Parses the unit header at off in .debug_info. 0 for a compile or partial unit, -EAGAIN
 * for another kind (skipped), -EINVAL when the section cannot be walked on. *next is the
 * following unit's offset.
 */
static int cu_parse(const struct lines *l, size_t off, struct cu *cu, size_t *next)
{
	const struct sect *s = &l->sec[SEC_INFO];
	struct cur c = cur_at(s, off, s->size);
	uint64_t len = cur_u(&c, 4);

	memset(cu, 0, sizeof(*cu));
	cu->off = off;
	cu->line_unit = UINT32_MAX;
	cu->f.offset_size = 4;
	if (len == 0xffffffffu) {
		len = cur_u(&c, 8);
		cu->f.offset_size = 8;
	} else if (len >= 0xfffffff0u) {
		return -EINVAL;
	}
	if (c.bad || len > cur_left(&c) || len < 2)
		return -EINVAL;
	cu->end = (size_t)(c.p - s->data) + len;
	*next = cu->end;
	c.end = s->data + cu->end;
	cu->f.version = (uint16_t)cur_u(&c, 2);
	if (cu->f.version < 2 || cu->f.version > 5)
		return -EAGAIN;
	if (cu->f.version >= 5) {
		cu->unit_type = cur_u8(&c);
		cu->f.addr_size = cur_u8(&c);
		cu->abbrev_off = cur_u(&c, cu->f.offset_size);
		if (cu->unit_type != DW_UT_compile && cu->unit_type != DW_UT_partial)
			return -EAGAIN;
	} else {
		cu->unit_type = DW_UT_compile;
		cu->abbrev_off = cur_u(&c, cu->f.offset_size);
		cu->f.addr_size = cur_u8(&c);
	}
	if (c.bad || cu->f.addr_size == 0 || cu->f.addr_size > 8)
		return -EAGAIN;
	cu->die = (size_t)(c.p - s->data);
	return 0;
}

/*
 * Reads the DIE at *off in cu, advancing *off past it. 0 (d filled), 1 for a null entry
 * (end of siblings), -EINVAL on a bad code or value.
 */
static int die_read(const struct lines *l, const struct cu *cu, size_t *off, struct die *d)
{
	struct cur c = cur_at(&l->sec[SEC_INFO], *off, cu->end);
	uint64_t code = cur_uleb(&c);

	if (c.bad)
		return -EINVAL;
	if (code == 0) {
		*off = (size_t)(c.p - l->sec[SEC_INFO].data);
		return 1;
	}
	const struct abbrev *a = abbrev_find(cu->ab, code);
	if (!a)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->tag = a->tag;
	d->children = a->children;
	for (size_t i = 0; i < a->n_attrs; i++) {
		const struct abbrev_attr *at = &cu->ab->attrs[a->attr0 + i];
		struct val v;

		if (form_read(&c, at->form, at->implicit, &cu->f, &v))
			return -EINVAL;
		switch (at->name) {
		case DW_AT_low_pc:
			d->low = v;
			d->have_low = true;
			break;
		case DW_AT_high_pc:
			d->high = v;
			d->have_high = true;
			d->high_is_len = v.form != DW_FORM_addr && (v.form < DW_FORM_addrx1 ||
				v.form > DW_FORM_addrx4) && v.form != DW_FORM_addrx &&
				v.form != DW_FORM_GNU_addr_index;
			break;
		case DW_AT_ranges:
			d->ranges = v;
			d->have_ranges = true;
			break;
		case DW_AT_abstract_origin: case DW_AT_specification:
			if (v.form == DW_FORM_ref_addr)
				d->origin = v.u;
			else if (v.form >= DW_FORM_ref1 && v.form <= DW_FORM_ref_udata)
				d->origin = cu->off + v.u;
			break;
		case DW_AT_name:
			d->name = val_str(l, &cu->f, &v);
			break;
		case DW_AT_linkage_name: case DW_AT_MIPS_linkage_name:
			d->linkage = val_str(l, &cu->f, &v);
			break;
		case DW_AT_call_file:
			d->call_file = v.u;
			break;
		case DW_AT_call_line:
			d->call_line = v.u;
			break;
		case DW_AT_stmt_list:
			d->stmt_list = v.u;
			d->have_stmt_list = true;
			break;
		case DW_AT_comp_dir:
			d->comp_dir = val_str(l, &cu->f, &v);
			break;
		default:
			break;
		}
	}
	*off = (size_t)(c.p - l->sec[SEC_INFO].data);
	return 0;
}

/*
 * Reads the unit DIE's base attributes first: strx and addrx values anywhere in it
 * depend on DW_AT_str_offsets_base and DW_AT_addr_base, in whatever order they come.
 */
static void cu_bases(const struct lines *l, struct cu *cu)
{
	struct cur c = cur_at(&l->sec[SEC_INFO], cu->die, cu->end);
	const struct abbrev *a = abbrev_find(cu->ab, cur_uleb(&c));

	for (size_t i = 0; a && i < a->n_attrs && !c.bad; i++) {
		const struct abbrev_attr *at = &cu->ab->attrs[a->attr0 + i];
		struct val v;

		if (form_read(&c, at->form, at->implicit, &cu->f, &v))
			return;
		if (at->name == DW_AT_str_offsets_base) {
			cu->f.str_offsets_base = v.u;
			cu->f.have_str_offsets_base = true;
		} else if (at->name == DW_AT_addr_base) {
			cu->f.addr_base = v.u;
			cu->f.have_addr_base = true;
		} else if (at->name == DW_AT_rnglists_base) {
			cu->rnglists_base = v.u;
			cu->have_rnglists_base = true;
		}
	}
}

/* --- inlined calls ---------------------------------------------------------------------- */

struct scan {
	struct lines *l;
	bool inlines;		/* still collecting inlined calls (under the limit) */
	struct ptrmap names;	/* DIE offset -> name, for abstract origins */
	struct abbrevs other;	/* abbreviations of a unit reached by DW_FORM_ref_addr */
	size_t cap_inls;
	size_t *cu_offs;	/* every unit's offset, for DW_FORM_ref_addr */
	size_t n_cus, cap_cus;
};

/* The unit containing .debug_info offset off (its header re-parsed into *cu). */
static int cu_containing(struct scan *sc, size_t off, struct cu *cu)
{
	size_t lo = 0, hi = sc->n_cus, next;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sc->cu_offs[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || cu_parse(sc->l, sc->cu_offs[lo - 1], cu, &next))
		return -ENOENT;
	if (off < cu->die || off >= cu->end)
		return -ENOENT;
	if (sc->other.off != cu->abbrev_off &&
	    abbrevs_parse(sc->l, cu->abbrev_off, &sc->other))
		return -EINVAL;
	cu->ab = &sc->other;
	cu_bases(sc->l, cu);
	return 0;
}

/* The name of the function a DIE at off stands for, following origins; NULL if none. */
static const char *origin_name(struct scan *sc, const struct cu *cu, uint64_t off)
{
	const char **hit = ptrmap_find(&sc->names, off);
	const char *name = NULL;
	uint64_t first = off;
	struct cu other;
	const struct cu *at = cu;

	if (hit)
		return *hit;
	for (int hop = 0; hop < LINES_ORIGIN_HOPS_MAX && off; hop++) {
		struct die d;
		size_t pos = (size_t)off;

		if (off < at->die || off >= at->end) {
			if (cu_containing(sc, pos, &other))
				break;
			at = &other;
		}
		if (die_read(sc->l, at, &pos, &d))
			break;
		name = d.linkage ? d.linkage : d.name;
		if (name)
			break;
		off = d.origin;
	}
	if (name)
		name = strset_intern(&sc->l->strs, name, strlen(name));
	if (name)
		ptrmap_put(&sc->names, first, name);
	return name;
}

static int inl_add(struct scan *sc, uint64_t lo, uint64_t hi, const struct inl *proto)
{
	struct inl e = *proto;

	if (lo == 0 || lo >= hi || hi >= UINT64_MAX - 1)
		return 0;
	if (!sc->inlines)
		return 0;
	/* Past the limit the whole table goes: a partial one would break call chains. */
	if (sc->l->n_inls >= CPROF_INLINE_RANGES_MAX) {
		sc->inlines = false;
		free(sc->l->inls);
		sc->l->inls = NULL;
		sc->l->n_inls = sc->cap_inls = 0;
		return 0;
	}
	e.lo = lo;
	e.hi = hi;
	struct inl *inls = array_room(sc->l->inls, sc->l->n_inls, &sc->cap_inls, sizeof(*inls));
	if (!inls)
		return -ENOMEM;
	sc->l->inls = inls;
	inls[sc->l->n_inls++] = e;
	return 0;
}

/* Adds one entry per address range of DIE d (low/high pair or range list). */
static int inl_ranges(struct scan *sc, const struct cu *cu, const struct die *d,
		      const struct inl *proto)
{
	const struct lines *l = sc->l;
	uint64_t lo, hi;

	if (d->have_low && d->have_high) {
		if (val_addr(l, &cu->f, &d->low, &lo))
			return 0;
		if (d->high_is_len)
			hi = lo + d->high.u;
		else if (val_addr(l, &cu->f, &d->high, &hi))
			return 0;
		return inl_add(sc, lo, hi, proto);
	}
	if (!d->have_ranges)
		return 0;

	uint64_t base = cu->base;
	if (cu->f.version < 5) {
		const struct sect *s = &l->sec[SEC_RANGES];
		struct cur c = cur_at(s, 0, s->size);
		uint64_t all = cu->f.addr_size == 8 ? UINT64_MAX :
			(1ull << (8 * cu->f.addr_size)) - 1;
		cur_skip(&c, d->ranges.u);
		while (!c.bad) {
			lo = cur_u(&c, cu->f.addr_size);
			hi = cur_u(&c, cu->f.addr_size);
			if (c.bad || (lo == 0 && hi == 0))
				break;
			if (lo == all) {
				base = hi;
				continue;
			}
			int err = inl_add(sc, base + lo, base + hi, proto);
			if (err)
				return err;
		}
		return 0;
	}

	const struct sect *s = &l->sec[SEC_RNGLISTS];
	struct cur c = cur_at(s, 0, s->size);
	uint64_t off = d->ranges.u;
	if (d->ranges.form == DW_FORM_rnglistx) {
		/* Offsets in the table are relative to the base, after the 12 or 20-byte header. */
		uint64_t tbase = cu->have_rnglists_base ? cu->rnglists_base :
			(cu->f.offset_size == 8 ? 20 : 12);
		struct cur t = cur_at(s, 0, s->size);
		cur_skip(&t, tbase);
		cur_skip(&t, d->ranges.u * cu->f.offset_size);
		off = tbase + cur_u(&t, cu->f.offset_size);
		if (t.bad)
			return 0;
	}
	cur_skip(&c, off);
	for (int n = 0; !c.bad && n < 65536; n++) {
		uint8_t kind = cur_u8(&c);
		struct val v = { DW_FORM_addrx, 0, NULL };
		uint64_t a, b;

		switch (kind) {
		case DW_RLE_end_of_list:
			return 0;
		case DW_RLE_base_addressx:
			v.u = cur_uleb(&c);
			if (val_addr(l, &cu->f, &v, &base))
				return 0;
			continue;
		case DW_RLE_startx_endx:
		case DW_RLE_startx_length:
			v.u = cur_uleb(&c);
			b = cur_uleb(&c);
			if (val_addr(l, &cu->f, &v, &a))
				return 0;
			if (kind == DW_RLE_startx_endx) {
				v.u = b;
				if (val_addr(l, &cu->f, &v, &b))
					return 0;
			} else {
				b += a;
			}
			break;
		case DW_RLE_offset_pair:
			a = base + cur_uleb(&c);
			b = base + cur_uleb(&c);
			break;
		case DW_RLE_base_address:
			base = cur_u(&c, cu->f.addr_size);
			continue;
		case DW_RLE_start_end:
			a = cur_u(&c, cu->f.addr_size);
			b = cur_u(&c, cu->f.addr_size);
			break;
		case DW_RLE_start_length:
			a = cur_u(&c, cu->f.addr_size);
			b = a + cur_uleb(&c);
			break;
		default:
			return 0;
		}
		int err = c.bad ? 0 : inl_add(sc, a, b, proto);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Walks every DIE of one unit: records the unit's compilation directory for its line
 * program, and the ranges of each inlined call with its depth.
 */
static int scan_cu(struct scan *sc, struct cu *cu)
{
	struct lines *l = sc->l;
	uint32_t inl_depth[LINES_DEPTH_MAX];
	size_t pos = cu->die;
	struct die d;
	int depth = 0;

	cu_bases(l, cu);
	if (die_read(l, cu, &pos, &d))
		return 0;
	if (d.have_low)
		val_addr(l, &cu->f, &d.low, &cu->base);
	if (d.have_stmt_list)
		cu->line_unit = unit_by_offset(l, d.stmt_list);
	if (cu->line_unit != UINT32_MAX && d.comp_dir && !l->units[cu->line_unit].comp_dir)
		l->units[cu->line_unit].comp_dir = strset_intern(&l->strs, d.comp_dir,
								 strlen(d.comp_dir));
	if (!d.children || !sc->inlines)
		return 0;
	inl_depth[0] = 0;
	depth = 1;
	while (depth > 0 && pos < cu->end) {
		int r = die_read(l, cu, &pos, &d);
		if (r < 0)
			return 0;
		if (r == 1) {
			depth--;
			continue;
		}
		uint32_t mine = inl_depth[depth - 1];
		if (d.tag == DW_TAG_inlined_subroutine) {
			struct inl proto = { 0 };
			proto.name = d.origin ? origin_name(sc, cu, d.origin) : NULL;
			if (!proto.name)
				proto.name = d.linkage ? d.linkage : d.name;
			if (proto.name)
				proto.name = strset_intern(&l->strs, proto.name,
							   strlen(proto.name));
			if (!proto.name)
				proto.name = "??";
			proto.unit = cu->line_unit;
			proto.file = (uint32_t)d.call_file;
			proto.line = (uint32_t)d.call_line;
			proto.depth = ++mine;
			int err = inl_ranges(sc, cu, &d, &proto);
			if (err)
				return err;
		}
		if (d.children) {
			if (depth >= LINES_DEPTH_MAX)
				return 0;
			inl_depth[depth++] = mine;
		}
	}
	return 0;
}

static int inl_cmp(const void *a, const void *b)
{
	const struct inl *x = a, *y = b;
	int r = range_cmp(x->lo, x->hi, y->lo, y->hi);

	if (r)
		return r;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

/*
 * Reads .debug_info once: compilation directories for v2-4 line programs, and inlined
 * calls when the section is small enough. Every DWARF section used here is freed after.
 */
static int scan_info(struct lines *l, const struct lines_loader *ld)
{
	struct scan sc;
	struct abbrevs ab;
	size_t off = 0, next = 0;
	int err = 0;

	struct sect *info = &l->sec[SEC_INFO];
	/*
	 * NEEDSWORK: v2-4 line programs in objects whose .debug_info is over the limit get
	 * relative file names; reading only the unit DIEs would need no whole section.
	 */
	if (ld->load(ld->ctx, sec_names[SEC_INFO], CPROF_INLINE_INFO_MAX, &info->data, &info->size))
		return 0;
	for (int i = SEC_ABBREV; i < SEC_N; i++)
		ld->load(ld->ctx, sec_names[i], CPROF_INLINE_INFO_MAX, &l->sec[i].data,
			 &l->sec[i].size);

	memset(&sc, 0, sizeof(sc));
	sc.l = l;
	sc.inlines = true;
	sc.other.off = SIZE_MAX;
	memset(&ab, 0, sizeof(ab));
	ab.off = SIZE_MAX;
	while (off < info->size) {
		struct cu cu;
		int r = cu_parse(l, off, &cu, &next);
		if (r == -EINVAL)
			break;
		off = next;
		if (r)
			continue;
		size_t *offs = array_room(sc.cu_offs, sc.n_cus, &sc.cap_cus, sizeof(*offs));
		if (!offs) {
			err = -ENOMEM;
			goto out_free;
		}
		sc.cu_offs = offs;
		offs[sc.n_cus++] = cu.off;
	}
	for (size_t i = 0; i < sc.n_cus; i++) {
		struct cu cu;
		if (cu_parse(l, sc.cu_offs[i], &cu, &next))
			continue;
		if (ab.off != cu.abbrev_off && abbrevs_parse(l, cu.abbrev_off, &ab))
			continue;
		cu.ab = &ab;
		err = scan_cu(&sc, &cu);
		if (err)
			goto out_free;
	}
	if (l->n_inls) {
		qsort(l->inls, l->n_inls, sizeof(*l->inls), inl_cmp);
		uint64_t max_hi = 0;
		for (size_t i = 0; i < l->n_inls; i++) {
			if (l->inls[i].hi > max_hi)
				max_hi = l->inls[i].hi;
			l->inls[i].max_hi = max_hi;
		}
	}
	l->has_inlines = sc.inlines;
out_free:
	if (err) {
		free(l->inls);
		l->inls = NULL;
		l->n_inls = 0;
	}
	abbrevs_free(&ab);
	abbrevs_free(&sc.other);
	ptrmap_free(&sc.names);
	free(sc.cu_offs);
	for (int i = SEC_INFO; i < SEC_N; i++) {
		free(l->sec[i].data);
		l->sec[i].data = NULL;
		l->sec[i].size = 0;
	}
	return err;
}

/* --- public ------------------------------------------------------------------------- */

struct lines *lines_new(const struct lines_loader *ld)
{
	struct lines *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	struct sect *line = &l->sec[SEC_LINE];
	if (ld->load(ld->ctx, sec_names[SEC_LINE], CPROF_DEBUG_LINE_MAX, &line->data, &line->size))
		goto out_free;
	/* Unit and sequence offsets are stored in 32 bits. */
	if (line->size >= UINT32_MAX)
		goto out_free;
	ld->load(ld->ctx, sec_names[SEC_LINE_STR], CPROF_DEBUG_LINE_MAX, &l->sec[SEC_LINE_STR].data,
		 &l->sec[SEC_LINE_STR].size);
	ld->load(ld->ctx, sec_names[SEC_STR], CPROF_DEBUG_LINE_MAX, &l->sec[SEC_STR].data,
		 &l->sec[SEC_STR].size);
	if (index_units(l))
		goto out_free;
	/* Without inlined calls (out of memory in the scan) the line table still serves. */
	scan_info(l, ld);
	if (!units_use_str(l)) {
		free(l->sec[SEC_STR].data);
		l->sec[SEC_STR].data = NULL;
		l->sec[SEC_STR].size = 0;
	}
	return l;

out_free:
	lines_free(l);
	return NULL;
}

/* Finds the row covering vaddr in a sequence: the last row at or before it. */
struct finder {
	uint64_t target;
	struct row best;
	bool have;
};

static int find_row(void *ctx, const struct row *r, size_t seq_start, size_t next)
{
	struct finder *f = ctx;

	if (r->addr <= f->target && !r->end) {
		f->best = *r;
		f->have = true;
		return 0;
	}
	if (r->addr <= f->target)
		f->have = false;
	return 1;
}

/* Decodes sequence sq from its last checkpoint at or before vaddr. */
static bool seq_find(const struct lines *l, const struct seq *sq, uint64_t vaddr, struct row *out)
{
	struct finder f = { vaddr, { 0, 0, 0, 0, false }, false };
	size_t lo = sq->ck0, hi = (size_t)sq->ck0 + sq->n_ck, start = sq->ops;

	if (hi > l->n_cks)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->cks[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > sq->ck0) {
		const struct ckpt *ck = &l->cks[lo - 1];
		f.best = (struct row){ ck->addr, ck->file, ck->line, ck->op_index, false };
		f.have = true;
		start = ck->ops;
	}
	unit_run(l, &l->units[sq->unit], start, f.have ? &f.best : NULL, true, find_row, &f);
	*out = f.best;
	return f.have;
}

/* The file and line at vaddr from the line table: 0, or -ENOENT. */
static int line_at(struct lines *l, uint64_t vaddr, const char **file, int64_t *line)
{
	size_t lo = 0, hi = l->n_seqs;
	struct row r;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->seqs[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && l->seqs[i].max_hi > vaddr;) {
		const struct seq *sq = &l->seqs[i];

		if (sq->hi <= vaddr || !seq_find(l, sq, vaddr, &r))
			continue;
		*file = unit_path(l, sq->unit, r.file);
		*line = r.line <= INT32_MAX ? (int64_t)r.line : 0;
		return 0;
	}
	return -ENOENT;
}

/* The inlined calls covering vaddr, deepest first, one per depth. */
static size_t inlines_at(const struct lines *l, uint64_t vaddr, const struct inl **out, size_t max)
{
	size_t lo = 0, hi = l->n_inls, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->inls[mid].lo <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && l->inls[i].max_hi > vaddr && n < max;) {
		const struct inl *e = &l->inls[i];
		bool dup = false;

		if (e->hi <= vaddr)
			continue;
		for (size_t j = 0; j < n; j++)
			dup |= out[j]->depth == e->depth;
		if (!dup)
			out[n++] = e;
	}
	/* Insertion sort by depth, deepest first: n is small. */
	for (size_t i = 1; i < n; i++) {
		const struct inl *e = out[i];
		size_t j = i;
		for (; j > 0 && out[j - 1]->depth < e->depth; j--)
			out[j] = out[j - 1];
		out[j] = e;
	}
	return n;
}

int lines_lookup(struct lines *l, uint64_t vaddr, struct lines_frame *frames, int max)
{
	const struct inl *chain[LINES_INLINE_FRAMES_MAX];
	const char *file = "";
	int64_t line = 0;
	size_t n_inl = 0;

	if (!l || max <= 0)
		return 0;
	bool have_line = line_at(l, vaddr, &file, &line) == 0;
	if (l->n_inls)
		n_inl = inlines_at(l, vaddr, chain, LINES_INLINE_FRAMES_MAX);
	if (!have_line && !n_inl)
		return 0;

	int n = 0;
	for (size_t i = 0; i <= n_inl && n < max; i++) {
		frames[n].func = i < n_inl ? chain[i]->name : NULL;
		frames[n].file = file;
		frames[n].line = line;
		n++;
		if (i < n_inl) {
			file = unit_path(l, chain[i]->unit, chain[i]->file);
			line = chain[i]->line;
		}
	}
	return n;
}

bool lines_has_inlines(const struct lines *l)
{
	return l && l->has_inlines;
}

void lines_free(struct lines *l)
{
	if (!l)
		return;
	for (int i = 0; i < SEC_N; i++)
		free(l->sec[i].data);
	free(l->units);
	free(l->seqs);
	free(l->cks);
	free(l->inls);
	strset_free(&l->strs);
	ptrmap_free(&l->paths);
	free(l);
}
