/*
 * unwind_sig.c: a DWARF CFI unwinder for x86-64 that is safe in signal handlers. It looks
 * up FDEs through the .eh_frame_hdr tables that modules.c snapshots (no dl_iterate_phdr,
 * no locks, no allocation), interprets the CFI for the registers that matter (CFA, return
 * address, callee-saved), steps through signal frames, and falls back to frame pointers
 * in code without CFI. Every stack read is bounded by the thread's stack.
 * Signal context: the whole file.
 */
#include <stddef.h>
#include <string.h>
#include <ucontext.h>

#include "common.h"
#include "limits.h"
#include "modules.h"
#include "unwind.h"

/* --- signal context --- */

/* DWARF register numbers on x86-64; 16 is the return address column. */
enum {
	R_RAX, R_RDX, R_RCX, R_RBX, R_RSI, R_RDI, R_RBP, R_RSP,
	R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15, R_RA, N_REGS
};

struct regs {
	uint64_t r[N_REGS];
	uint32_t valid;		/* bit i: r[i] is known */
};

#define BIT(r)	(1u << (r))

/*
 * Where stack reads are allowed: [lo, hi) of the stack the current frame lives on. For a
 * stack read from a copy (unwind_copy_sig), every read is confined to the copied range
 * [fix_lo, fix_hi) and goes to address + delta.
 */
struct bounds {
	uint64_t lo, hi;
	uint64_t stack_lo, stack_hi;	/* the thread's own stack, 0, 0 if unknown */
	int64_t delta;		/* where the bytes are read: address + delta */
	uint64_t fix_lo, fix_hi;
	bool fixed;
};

/*
 * Rules are kept for the registers a caller can rely on: the callee-saved ones and the
 * return address. Others become unknown in the caller.
 */
#define N_TRACKED 7
static const int8_t tracked_slot[N_REGS] = {
	-1, -1, -1, 0, -1, -1, 1, -1, -1, -1, -1, -1, 2, 3, 4, 5, 6
};
static const uint8_t tracked_reg[N_TRACKED] = { R_RBX, R_RBP, R_R12, R_R13, R_R14, R_R15, R_RA };

enum rule_type { RULE_SAME, RULE_UNDEF, RULE_OFFSET, RULE_VAL_OFFSET, RULE_REG, RULE_EXPR,
		 RULE_VAL_EXPR };

struct rule {
	uint8_t type;
	int64_t val;		/* offset, register, or address of an expression block */
};

struct cfi_state {
	uint64_t cfa_reg;
	int64_t cfa_off;
	uint64_t cfa_expr;	/* address of a DW_CFA_def_cfa_expression block, or 0 */
	struct rule rule[N_TRACKED];
};

struct fde_info {
	uint64_t pc_begin, pc_end;
	const uint8_t *cie_instr, *cie_end, *fde_instr, *fde_end;
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool signal;
	bool has_z;		/* FDEs carry an augmentation data length */
	int64_t bias;
};

/* A bounded reader over the unwind tables of one object (bias: see struct module). */
struct cursor {
	const uint8_t *p, *end;
	int64_t bias;
};

static bool read_stack(const struct bounds *b, uint64_t addr, uint64_t *out)
{
	if (addr < b->lo || addr >= b->hi || b->hi - addr < 8)
		return false;
	memcpy(out, (const void *)(uintptr_t)(addr + (uint64_t)b->delta), 8);
	return true;
}

static bool rd_u8(struct cursor *c, uint8_t *v)
{
	if (c->p >= c->end)
		return false;
	*v = *c->p++;
	return true;
}

static bool rd_bytes(struct cursor *c, void *v, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return false;
	memcpy(v, c->p, n);
	c->p += n;
	return true;
}

/* A LEB128 number's bits, how many there are, and its last byte (for the sign). */
static bool rd_leb(struct cursor *c, uint64_t *v, unsigned *shift, uint8_t *last)
{
	uint64_t r = 0;
	unsigned sh = 0;
	uint8_t b;

	do {
		if (!rd_u8(c, &b) || sh > 63)
			return false;
		r |= (uint64_t)(b & 0x7f) << sh;
		sh += 7;
	} while (b & 0x80);
	*v = r;
	*shift = sh;
	*last = b;
	return true;
}

static bool rd_uleb(struct cursor *c, uint64_t *v)
{
	unsigned shift;
	uint8_t last;

	return rd_leb(c, v, &shift, &last);
}

static bool rd_sleb(struct cursor *c, int64_t *v)
{
	uint64_t r;
	unsigned shift;
	uint8_t last;

	if (!rd_leb(c, &r, &shift, &last))
		return false;
	if (shift < 64 && (last & 0x40))
		r |= ~(uint64_t)0 << shift;
	*v = (int64_t)r;
	return true;
}

/* Reads a DW_EH_PE-encoded pointer. Indirect pointers are returned undereferenced. */
static bool rd_enc(struct cursor *c, uint8_t enc, uint64_t *v)
{
	uint64_t base = 0, val;
	const uint8_t *field = c->p;

	if (enc == 0xff)
		return false;
	switch (enc & 0x70) {
	case 0x00:
		break;
	case 0x10:
		base = (uint64_t)(uintptr_t)field + (uint64_t)c->bias;
		break;
	default:
		return false;	/* textrel, datarel, funcrel: not used in .eh_frame FDEs */
	}
	switch (enc & 0x0f) {
	case 0x00: { uint64_t x; if (!rd_bytes(c, &x, 8)) return false; val = x; break; }
	case 0x01: if (!rd_uleb(c, &val)) return false; break;
	case 0x02: { uint16_t x; if (!rd_bytes(c, &x, 2)) return false; val = x; break; }
	case 0x03: { uint32_t x; if (!rd_bytes(c, &x, 4)) return false; val = x; break; }
	case 0x04: { uint64_t x; if (!rd_bytes(c, &x, 8)) return false; val = x; break; }
	case 0x09: { int64_t x; if (!rd_sleb(c, &x)) return false; val = (uint64_t)x; break; }
	case 0x0a: { int16_t x; if (!rd_bytes(c, &x, 2)) return false; val = (uint64_t)(int64_t)x; break; }
	case 0x0b: { int32_t x; if (!rd_bytes(c, &x, 4)) return false; val = (uint64_t)(int64_t)x; break; }
	case 0x0c: { int64_t x; if (!rd_bytes(c, &x, 8)) return false; val = (uint64_t)x; break; }
	default:
		return false;
	}
	*v = base + val;
	return true;
}

/* The FDE whose initial location is the last one at or below pc, through the hdr table. */
static const uint8_t *find_fde(const struct module *m, uint64_t pc)
{
	uint64_t base = (uint64_t)(uintptr_t)m->eh_frame_hdr;
	size_t lo = 0, hi = m->n_fdes;
	int32_t loc, fde;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		memcpy(&loc, m->table + 8 * mid, 4);
		if (base + (uint64_t)m->bias + (uint64_t)(int64_t)loc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	memcpy(&fde, m->table + 8 * (lo - 1) + 4, 4);
	return (const uint8_t *)(uintptr_t)(base + (uint64_t)(int64_t)fde);
}

/* Bounds of a CIE or FDE record at p: [start of contents, end). */
static bool record_bounds(const struct module *m, const uint8_t *p, struct cursor *c)
{
	uint64_t at = (uint64_t)(uintptr_t)p;
	uint32_t len32;
	uint64_t len;

	if (at < m->data_lo || at >= m->data_hi || m->data_hi - at < 12)
		return false;
	memcpy(&len32, p, 4);
	p += 4;
	if (len32 == 0xffffffffu) {
		memcpy(&len, p, 8);
		p += 8;
	} else {
		len = len32;
	}
	if (len == 0 || len > m->data_hi - (uint64_t)(uintptr_t)p)
		return false;
	c->p = p;
	c->end = p + len;
	c->bias = m->bias;
	return len32 != 0xffffffffu;	/* 64-bit DWARF .eh_frame does not occur; refuse it */
}

static bool parse_cie(const struct module *m, const uint8_t *cie, struct fde_info *fi)
{
	struct cursor c;
	uint32_t id;
	uint8_t version, ch;
	char aug[8];
	size_t n_aug = 0;

	if (!record_bounds(m, cie, &c) || !rd_bytes(&c, &id, 4) || id != 0 ||
	    !rd_u8(&c, &version) || (version != 1 && version != 3 && version != 4))
		return false;
	do {
		if (!rd_u8(&c, &ch) || n_aug == sizeof(aug))
			return false;
		aug[n_aug++] = (char)ch;
	} while (ch);
	if (version == 4) {
		uint8_t addr_size, seg_size;

		if (!rd_u8(&c, &addr_size) || !rd_u8(&c, &seg_size) || addr_size != 8)
			return false;
	}
	if (!rd_uleb(&c, &fi->code_align) || !rd_sleb(&c, &fi->data_align))
		return false;
	if (version == 1) {
		uint8_t ra;

		if (!rd_u8(&c, &ra))
			return false;
		fi->ra_reg = ra;
	} else if (!rd_uleb(&c, &fi->ra_reg)) {
		return false;
	}
	fi->fde_enc = 0;	/* DW_EH_PE_absptr */
	fi->signal = false;
	fi->has_z = aug[0] == 'z';
	if (fi->has_z) {
		uint64_t aug_len;
		struct cursor a;
		bool known = true;

		if (!rd_uleb(&c, &aug_len) || aug_len > (uint64_t)(c.end - c.p))
			return false;
		a.p = c.p;
		a.end = c.p + aug_len;
		for (size_t i = 1; known && aug[i]; i++) {
			uint8_t enc;
			uint64_t skip;

			switch (aug[i]) {
			case 'R':
				if (!rd_u8(&a, &fi->fde_enc))
					return false;
				break;
			case 'P':
				if (!rd_u8(&a, &enc) || !rd_enc(&a, enc & 0x7f, &skip))
					return false;
				break;
			case 'L':
				if (!rd_u8(&a, &enc))
					return false;
				break;
			case 'S':
				fi->signal = true;
				break;
			default:
				known = false;	/* unknown: the 'z' length lets us skip the rest */
				break;
			}
		}
		c.p += aug_len;
	} else if (aug[0]) {
		return false;	/* augmentations without 'z' cannot be skipped */
	}
	fi->cie_instr = c.p;
	fi->cie_end = c.end;
	return true;
}

static bool parse_fde(const struct module *m, const uint8_t *fde, struct fde_info *fi)
{
	struct cursor c;
	const uint8_t *id_at;
	uint32_t cie_off;
	uint64_t range;

	if (!record_bounds(m, fde, &c))
		return false;
	fi->bias = m->bias;
	id_at = c.p;
	if (!rd_bytes(&c, &cie_off, 4) || cie_off == 0)
		return false;
	if (!parse_cie(m, id_at - cie_off, fi))
		return false;
	if (!rd_enc(&c, fi->fde_enc, &fi->pc_begin) || !rd_enc(&c, fi->fde_enc & 0x0f, &range))
		return false;
	fi->pc_end = fi->pc_begin + range;
	if (fi->has_z) {	/* the FDE's augmentation data: the LSDA pointer, skipped */
		uint64_t len;

		if (!rd_uleb(&c, &len) || len > (uint64_t)(c.end - c.p))
			return false;
		c.p += len;
	}
	fi->fde_instr = c.p;
	fi->fde_end = c.end;
	return true;
}

static void set_rule(struct cfi_state *st, uint64_t reg, uint8_t type, int64_t val)
{
	int slot = reg < N_REGS ? tracked_slot[reg] : -1;

	if (slot >= 0) {
		st->rule[slot].type = type;
		st->rule[slot].val = val;
	}
}

/* Skips a DWARF block (ULEB length + bytes) and returns its address in *at. */
static bool skip_block(struct cursor *c, uint64_t *at)
{
	uint64_t len;

	*at = (uint64_t)(uintptr_t)c->p;
	if (!rd_uleb(c, &len) || len > (uint64_t)(c->end - c->p))
		return false;
	c->p += len;
	return true;
}

/*
 * Runs CFI instructions until the row that covers target. init is the state after the
 * CIE's initial instructions (for DW_CFA_restore); it is NULL while running those.
 */
static bool run_cfi(const uint8_t *p, const uint8_t *end, const struct fde_info *fi,
		    uint64_t target, struct cfi_state *st, const struct cfi_state *init,
		    struct cfi_state *saved, int *n_saved)
{
	struct cursor c = { p, end, fi->bias };
	uint64_t loc = fi->pc_begin;
	int ops = 0;

	while (c.p < c.end) {
		uint8_t op, low;
		uint64_t reg, off, delta = 0, at;
		int64_t soff;

		if (++ops > CPROF_CFI_OPS_MAX || !rd_u8(&c, &op))
			return false;
		low = op & 0x3f;
		switch (op & 0xc0) {
		case 0x40:
			delta = low * fi->code_align;
			goto advance;
		case 0x80:
			if (!rd_uleb(&c, &off))
				return false;
			set_rule(st, low, RULE_OFFSET, (int64_t)off * fi->data_align);
			continue;
		case 0xc0:
			if (!init)
				return false;
			if (low < N_REGS && tracked_slot[low] >= 0)
				st->rule[tracked_slot[low]] = init->rule[tracked_slot[low]];
			continue;
		}
		switch (op) {
		case 0x00:	/* nop */
			break;
		case 0x01:	/* set_loc */
			if (!rd_enc(&c, fi->fde_enc, &off))
				return false;
			if (off > target)
				return true;
			loc = off;
			break;
		case 0x02: { uint8_t d; if (!rd_u8(&c, &d)) return false; delta = d * fi->code_align; goto advance; }
		case 0x03: { uint16_t d; if (!rd_bytes(&c, &d, 2)) return false; delta = d * fi->code_align; goto advance; }
		case 0x04: { uint32_t d; if (!rd_bytes(&c, &d, 4)) return false; delta = d * fi->code_align; goto advance; }
		case 0x05:	/* offset_extended */
			if (!rd_uleb(&c, &reg) || !rd_uleb(&c, &off))
				return false;
			set_rule(st, reg, RULE_OFFSET, (int64_t)off * fi->data_align);
			break;
		case 0x06:	/* restore_extended */
			if (!rd_uleb(&c, &reg) || !init)
				return false;
			if (reg < N_REGS && tracked_slot[reg] >= 0)
				st->rule[tracked_slot[reg]] = init->rule[tracked_slot[reg]];
			break;
		case 0x07:	/* undefined */
			if (!rd_uleb(&c, &reg))
				return false;
			set_rule(st, reg, RULE_UNDEF, 0);
			break;
		case 0x08:	/* same_value */
			if (!rd_uleb(&c, &reg))
				return false;
			set_rule(st, reg, RULE_SAME, 0);
			break;
		case 0x09:	/* register */
			if (!rd_uleb(&c, &reg) || !rd_uleb(&c, &off))
				return false;
			set_rule(st, reg, RULE_REG, (int64_t)off);
			break;
		case 0x0a:	/* remember_state: the whole row, CFA included */
			if (*n_saved == CPROF_CFI_STACK_MAX)
				return false;
			saved[(*n_saved)++] = *st;
			break;
		case 0x0b:	/* restore_state */
			if (*n_saved == 0)
				return false;
			*st = saved[--(*n_saved)];
			break;
		case 0x0c:	/* def_cfa */
			if (!rd_uleb(&c, &reg) || !rd_uleb(&c, &off))
				return false;
			st->cfa_reg = reg;
			st->cfa_off = (int64_t)off;
			st->cfa_expr = 0;
			break;
		case 0x0d:	/* def_cfa_register */
			if (!rd_uleb(&c, &reg))
				return false;
			st->cfa_reg = reg;
			st->cfa_expr = 0;
			break;
		case 0x0e:	/* def_cfa_offset */
			if (!rd_uleb(&c, &off))
				return false;
			st->cfa_off = (int64_t)off;
			break;
		case 0x0f:	/* def_cfa_expression */
			if (!skip_block(&c, &at))
				return false;
			st->cfa_expr = at;
			break;
		case 0x10:	/* expression */
			if (!rd_uleb(&c, &reg) || !skip_block(&c, &at))
				return false;
			set_rule(st, reg, RULE_EXPR, (int64_t)at);
			break;
		case 0x11:	/* offset_extended_sf */
			if (!rd_uleb(&c, &reg) || !rd_sleb(&c, &soff))
				return false;
			set_rule(st, reg, RULE_OFFSET, soff * fi->data_align);
			break;
		case 0x12:	/* def_cfa_sf */
			if (!rd_uleb(&c, &reg) || !rd_sleb(&c, &soff))
				return false;
			st->cfa_reg = reg;
			st->cfa_off = soff * fi->data_align;
			st->cfa_expr = 0;
			break;
		case 0x13:	/* def_cfa_offset_sf */
			if (!rd_sleb(&c, &soff))
				return false;
			st->cfa_off = soff * fi->data_align;
			break;
		case 0x14:	/* val_offset */
			if (!rd_uleb(&c, &reg) || !rd_uleb(&c, &off))
				return false;
			set_rule(st, reg, RULE_VAL_OFFSET, (int64_t)off * fi->data_align);
			break;
		case 0x15:	/* val_offset_sf */
			if (!rd_uleb(&c, &reg) || !rd_sleb(&c, &soff))
				return false;
			set_rule(st, reg, RULE_VAL_OFFSET, soff * fi->data_align);
			break;
		case 0x16:	/* val_expression */
			if (!rd_uleb(&c, &reg) || !skip_block(&c, &at))
				return false;
			set_rule(st, reg, RULE_VAL_EXPR, (int64_t)at);
			break;
		case 0x2e:	/* GNU_args_size */
			if (!rd_uleb(&c, &off))
				return false;
			break;
		case 0x2f:	/* GNU_negative_offset_extended */
			if (!rd_uleb(&c, &reg) || !rd_uleb(&c, &off))
				return false;
			set_rule(st, reg, RULE_OFFSET, -(int64_t)off * fi->data_align);
			break;
		default:
			return false;
		}
		continue;
advance:
		if (loc + delta > target)
			return true;
		loc += delta;
	}
	return true;
}

/*
 * Evaluates a DWARF expression block at addr (ULEB length + ops), with the CFA pushed
 * first when push is set (DW_CFA_expression). Bounded in operations and stack.
 */
static bool eval_expr(const struct module *m, uint64_t addr, const struct regs *rg,
		      const struct bounds *b, bool push, uint64_t cfa, uint64_t *out)
{
	uint64_t st[CPROF_EXPR_STACK_MAX], len;
	struct cursor c = { (const uint8_t *)(uintptr_t)addr,
			    (const uint8_t *)(uintptr_t)m->data_hi, m->bias };
	const uint8_t *start;
	int sp = 0, ops = 0;

	if (addr < m->data_lo || addr >= m->data_hi || !rd_uleb(&c, &len) ||
	    len > (uint64_t)(c.end - c.p))
		return false;
	start = c.p;
	c.end = c.p + len;
	if (push)
		st[sp++] = cfa;
	while (c.p < c.end) {
		uint8_t op;
		uint64_t u, a, x;
		int64_t s;

		if (++ops > CPROF_EXPR_OPS_MAX || !rd_u8(&c, &op))
			return false;
		if (op >= 0x30 && op <= 0x4f) {		/* lit0..lit31 */
			if (sp == CPROF_EXPR_STACK_MAX)
				return false;
			st[sp++] = op - 0x30u;
			continue;
		}
		if ((op >= 0x70 && op <= 0x80) || op == 0x92) {	/* breg0..breg16, bregx */
			if (op == 0x92) {
				if (!rd_uleb(&c, &u))
					return false;
			} else {
				u = op - 0x70u;
			}
			if (!rd_sleb(&c, &s) || u >= N_REGS || !(rg->valid & BIT(u)) ||
			    sp == CPROF_EXPR_STACK_MAX)
				return false;
			st[sp++] = rg->r[u] + (uint64_t)s;
			continue;
		}
		switch (op) {
		case 0x08: { uint8_t v; if (!rd_u8(&c, &v)) return false; u = v; goto push; }
		case 0x09: { int8_t v; if (!rd_bytes(&c, &v, 1)) return false; u = (uint64_t)(int64_t)v; goto push; }
		case 0x0a: { uint16_t v; if (!rd_bytes(&c, &v, 2)) return false; u = v; goto push; }
		case 0x0b: { int16_t v; if (!rd_bytes(&c, &v, 2)) return false; u = (uint64_t)(int64_t)v; goto push; }
		case 0x0c: { uint32_t v; if (!rd_bytes(&c, &v, 4)) return false; u = v; goto push; }
		case 0x0d: { int32_t v; if (!rd_bytes(&c, &v, 4)) return false; u = (uint64_t)(int64_t)v; goto push; }
		case 0x0e: case 0x0f: if (!rd_bytes(&c, &u, 8)) return false; goto push;
		case 0x10: if (!rd_uleb(&c, &u)) return false; goto push;
		case 0x11: if (!rd_sleb(&c, &s)) return false; u = (uint64_t)s; goto push;
		case 0x12: if (sp < 1) return false; u = st[sp - 1]; goto push;		/* dup */
		case 0x13: if (sp < 1) return false; sp--; continue;			/* drop */
		case 0x14: if (sp < 2) return false; u = st[sp - 2]; goto push;		/* over */
		case 0x15: { uint8_t i; if (!rd_u8(&c, &i) || i >= sp) return false; u = st[sp - 1 - i]; goto push; }
		case 0x16: if (sp < 2) return false; x = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = x; continue;
		case 0x17: if (sp < 3) return false; x = st[sp - 1]; st[sp - 1] = st[sp - 2];
			st[sp - 2] = st[sp - 3]; st[sp - 3] = x; continue;			/* rot */
		case 0x06:								/* deref */
			if (sp < 1 || !read_stack(b, st[sp - 1], &st[sp - 1]))
				return false;
			continue;
		case 0x1f: if (sp < 1) return false; st[sp - 1] = -st[sp - 1]; continue;	/* neg */
		case 0x20: if (sp < 1) return false; st[sp - 1] = ~st[sp - 1]; continue;	/* not */
		case 0x23: if (sp < 1 || !rd_uleb(&c, &u)) return false; st[sp - 1] += u; continue;
		case 0x96: continue;							/* nop */
		case 0x2f: case 0x28: {							/* skip, bra */
			int16_t d;
			const uint8_t *to;

			if (!rd_bytes(&c, &d, 2))
				return false;
			if (op == 0x28) {
				if (sp < 1)
					return false;
				if (st[--sp] == 0)
					continue;
			}
			to = c.p + d;
			if (to < start || to > c.end)
				return false;
			c.p = to;
			continue;
		}
		}
		/* Binary operators. */
		if (sp < 2)
			return false;
		a = st[sp - 2];
		x = st[sp - 1];
		switch (op) {
		case 0x1a: u = a & x; break;
		case 0x1b: if (!x) return false; u = (uint64_t)((int64_t)a / (int64_t)x); break;
		case 0x1c: u = a - x; break;
		case 0x1d: if (!x) return false; u = a % x; break;
		case 0x1e: u = a * x; break;
		case 0x21: u = a | x; break;
		case 0x22: u = a + x; break;
		case 0x24: u = x < 64 ? a << x : 0; break;
		case 0x25: u = x < 64 ? a >> x : 0; break;
		case 0x26: u = x < 64 ? (uint64_t)((int64_t)a >> x) : 0; break;
		case 0x27: u = a ^ x; break;
		case 0x29: u = (int64_t)a == (int64_t)x; break;
		case 0x2a: u = (int64_t)a >= (int64_t)x; break;
		case 0x2b: u = (int64_t)a > (int64_t)x; break;
		case 0x2c: u = (int64_t)a <= (int64_t)x; break;
		case 0x2d: u = (int64_t)a < (int64_t)x; break;
		case 0x2e: u = (int64_t)a != (int64_t)x; break;
		default:
			return false;
		}
		sp -= 2;
push:
		if (sp == CPROF_EXPR_STACK_MAX)
			return false;
		st[sp++] = u;
	}
	if (sp < 1)
		return false;
	*out = st[sp - 1];
	return true;
}

/*
 * The rule cache. Most frames follow a rule simple enough to pack into 64 bits: the CFA
 * is rsp or rbp plus an offset, the return address is at CFA-8, and each callee-saved
 * register is either unchanged or saved at CFA plus a small multiple of 8. Caching the
 * packed rule per PC turns a frame's cost from an FDE search and a CFI parse (a dozen
 * cache misses in a handler that interrupts the program cold) into one lookup.
 *
 *   bit 0      valid
 *   bit 1      CFA register: 0 rsp, 1 rbp
 *   bit 2      the frame is in libcprof.so (not recorded)
 *   bit 3      outermost frame: the unwinding ends here
 *   bits 4-27  CFA offset, signed
 *   bits 28-63 rbx, rbp, r12, r13, r14, r15: 6 bits each, the signed save slot in units of
 *              8 bytes from the CFA, 0 for "unchanged"
 *
 * Slots hold (key ^ rule, rule): a reader that meets a half-written slot computes a key
 * that does not match and treats it as a miss. Keys carry the module generation in their
 * top 16 bits, so entries from an older snapshot never match.
 */
#define RULE_VALID	0x1ull
#define RULE_RBP	0x2ull
#define RULE_SELF	0x4ull
#define RULE_OUTERMOST	0x8ull
#define RULE_CACHE_SLOTS 4096

struct rule_slot {
	_Atomic uint64_t check;
	_Atomic uint64_t rule;
};

static struct rule_slot rule_cache[RULE_CACHE_SLOTS];
static const uint8_t saved_regs[6] = { R_RBX, R_RBP, R_R12, R_R13, R_R14, R_R15 };

static uint64_t cache_key(uint64_t lookup, unsigned gen)
{
	return (lookup & 0xffffffffffffull) | (uint64_t)gen << 48;
}

static struct rule_slot *cache_slot(uint64_t key)
{
	return &rule_cache[(key * 0x9e3779b97f4a7c15ull) >> 52];
}

static bool cache_get(uint64_t key, uint64_t *rule)
{
	struct rule_slot *s = cache_slot(key);
	uint64_t r = atomic_load_explicit(&s->rule, memory_order_relaxed);
	uint64_t c = atomic_load_explicit(&s->check, memory_order_relaxed);

	if (!(r & RULE_VALID) || (c ^ r) != key)
		return false;
	*rule = r;
	return true;
}

static void cache_put(uint64_t key, uint64_t rule)
{
	struct rule_slot *s = cache_slot(key);

	atomic_store_explicit(&s->rule, rule, memory_order_relaxed);
	atomic_store_explicit(&s->check, key ^ rule, memory_order_relaxed);
}

/* The packed form of a CFI row, or 0 when it is not simple enough. */
static uint64_t pack_rule(const struct cfi_state *st, bool signal)
{
	const struct rule *ra = &st->rule[tracked_slot[R_RA]];
	uint64_t rule = RULE_VALID;

	if (ra->type == RULE_UNDEF)
		return RULE_VALID | RULE_OUTERMOST;
	if (signal || st->cfa_expr || (st->cfa_reg != R_RSP && st->cfa_reg != R_RBP) ||
	    st->cfa_off < -(1 << 23) || st->cfa_off >= (1 << 23) ||
	    ra->type != RULE_OFFSET || ra->val != -8)
		return 0;
	rule |= (st->cfa_reg == R_RBP ? RULE_RBP : 0) |
		((uint64_t)st->cfa_off & 0xffffff) << 4;
	for (int i = 0; i < 6; i++) {
		const struct rule *r = &st->rule[tracked_slot[saved_regs[i]]];
		int64_t slot;

		if (r->type == RULE_SAME)
			continue;
		if (r->type != RULE_OFFSET || r->val % 8 || r->val == 0)
			return 0;
		slot = r->val / 8;
		if (slot < -32 || slot > 31)
			return 0;
		rule |= ((uint64_t)slot & 0x3f) << (28 + 6 * i);
	}
	return rule;
}

/* Steps rg to the caller with a packed rule. False when a read is out of bounds. */
static bool apply_rule(uint64_t rule, struct regs *rg, const struct bounds *b)
{
	int cfa_reg = rule & RULE_RBP ? R_RBP : R_RSP;
	int64_t off = (int64_t)(rule << 36) >> 40;	/* bits 4-27, sign-extended */
	struct regs nr;
	uint64_t cfa;

	if (!(rg->valid & BIT(cfa_reg)))
		return false;
	cfa = rg->r[cfa_reg] + (uint64_t)off;
	nr.valid = 0;
	for (int i = 0; i < 6; i++) {
		int reg = saved_regs[i];
		int64_t slot = (int64_t)(rule << (30 - 6 * i)) >> 58;

		if (slot == 0) {
			if (!(rg->valid & BIT(reg)))
				continue;
			nr.r[reg] = rg->r[reg];
		} else if (!read_stack(b, cfa + (uint64_t)(slot * 8), &nr.r[reg])) {
			continue;
		}
		nr.valid |= BIT(reg);
	}
	if (!read_stack(b, cfa - 8, &nr.r[R_RA]))
		return false;
	nr.r[R_RSP] = cfa;
	nr.valid |= BIT(R_RA) | BIT(R_RSP);
	/*
	 * Register by register: a struct copy is done with 16-byte moves that read back the
	 * 8-byte stores just made, which the CPU cannot forward (a stall per load; it was
	 * 40% of the walk when the heap profiler unwinds on every allocation). Registers
	 * that nr does not know keep stale values in rg, which valid says to ignore.
	 */
	for (int i = 0; i < N_TRACKED; i++)
		rg->r[tracked_reg[i]] = nr.r[tracked_reg[i]];
	rg->r[R_RSP] = nr.r[R_RSP];
	rg->valid = nr.valid;
	return true;
}

/*
 * One step through CFI. Returns 1 when rg now describes the caller, 0 at the outermost
 * frame (return address undefined), -1 when this frame cannot be unwound with CFI.
 * *packed gets the row's packed rule for the cache, or 0.
 */
static int cfi_step(const struct module *m, uint64_t lookup, struct regs *rg,
		    const struct bounds *b, bool *signal_frame, uint64_t *packed)
{
	struct cfi_state init, st, saved[CPROF_CFI_STACK_MAX];
	struct fde_info fi;
	const uint8_t *fde = find_fde(m, lookup);
	struct regs nr;
	uint64_t cfa;
	int n_saved = 0;

	*packed = 0;
	if (!fde || !parse_fde(m, fde, &fi) || lookup < fi.pc_begin || lookup >= fi.pc_end ||
	    fi.ra_reg != R_RA)
		return -1;
	memset(&init, 0, sizeof(init));	/* every rule RULE_SAME */
	if (!run_cfi(fi.cie_instr, fi.cie_end, &fi, UINT64_MAX, &init, NULL, saved, &n_saved))
		return -1;
	st = init;
	n_saved = 0;
	if (!run_cfi(fi.fde_instr, fi.fde_end, &fi, lookup, &st, &init, saved, &n_saved))
		return -1;
	*packed = pack_rule(&st, fi.signal);
	if (st.cfa_expr) {
		if (!eval_expr(m, st.cfa_expr, rg, b, false, 0, &cfa))
			return -1;
	} else {
		if (st.cfa_reg >= N_REGS || !(rg->valid & BIT(st.cfa_reg)))
			return -1;
		cfa = rg->r[st.cfa_reg] + (uint64_t)st.cfa_off;
	}
	if (st.rule[tracked_slot[R_RA]].type == RULE_UNDEF)
		return 0;
	nr.valid = 0;
	for (int i = 0; i < N_TRACKED; i++) {
		const struct rule *r = &st.rule[i];
		int reg = tracked_reg[i];
		uint64_t v, addr;

		switch (r->type) {
		case RULE_SAME:
			if (!(rg->valid & BIT(reg)))
				continue;
			v = rg->r[reg];
			break;
		case RULE_OFFSET:
			if (!read_stack(b, cfa + (uint64_t)r->val, &v))
				continue;
			break;
		case RULE_VAL_OFFSET:
			v = cfa + (uint64_t)r->val;
			break;
		case RULE_REG:
			if (r->val < 0 || r->val >= N_REGS || !(rg->valid & BIT(r->val)))
				continue;
			v = rg->r[r->val];
			break;
		case RULE_EXPR:
			if (!eval_expr(m, (uint64_t)r->val, rg, b, true, cfa, &addr) ||
			    !read_stack(b, addr, &v))
				continue;
			break;
		case RULE_VAL_EXPR:
			if (!eval_expr(m, (uint64_t)r->val, rg, b, true, cfa, &v))
				continue;
			break;
		default:
			continue;
		}
		nr.r[reg] = v;
		nr.valid |= BIT(reg);
	}
	if (!(nr.valid & BIT(R_RA)))
		return -1;
	nr.r[R_RSP] = cfa;
	nr.valid |= BIT(R_RSP);
	*signal_frame = fi.signal;
	*rg = nr;
	return 1;
}

/*
 * glibc's __restore_rt: mov $15, %rax (rt_sigreturn); syscall. Code is read only in
 * objects that cannot be unloaded (libc is one).
 */
static bool is_sigreturn(const struct module *m, uint64_t pc)
{
	static const uint8_t code[9] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };

	return m->is_initial && pc >= m->lo && m->hi - pc >= sizeof(code) &&
	       memcmp((const void *)(uintptr_t)pc, code, sizeof(code)) == 0;
}

static void load_mcontext(struct regs *rg, const mcontext_t *mc)
{
	static const int8_t from[N_REGS] = {
		REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
		REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP
	};

	for (int i = 0; i < N_REGS; i++)
		rg->r[i] = (uint64_t)mc->gregs[from[i]];
	rg->valid = BIT(N_REGS) - 1;
}

/* Sets the readable range to the stack that holds sp. False when it is unknown. */
static bool rebound(struct bounds *b, uint64_t sp)
{
	uint64_t hi = 0;

	if (b->fixed) {
		if (sp < b->fix_lo || sp >= b->fix_hi)
			return false;
		b->lo = sp - b->fix_lo > 128 ? sp - 128 : b->fix_lo;
		b->hi = b->fix_hi;
		return true;
	}
	if (sp >= b->stack_lo && sp < b->stack_hi)
		hi = b->stack_hi;
	else
		hi = modules_region_top_sig(sp);
	if (!hi)
		return false;
	b->hi = hi;
	b->lo = sp > 128 ? sp - 128 : 0;
	return true;
}

/* Steps through a signal frame: the interrupted registers are in the ucontext at sp. */
static bool sigframe_step(struct regs *rg, struct bounds *b)
{
	uint64_t sp = rg->r[R_RSP];
	const ucontext_t *uc = (const ucontext_t *)(uintptr_t)(sp + (uint64_t)b->delta);

	if (!(rg->valid & BIT(R_RSP)) || sp < b->lo || sp >= b->hi ||
	    b->hi - sp < sizeof(ucontext_t))
		return false;
	load_mcontext(rg, &uc->uc_mcontext);
	return rebound(b, rg->r[R_RSP]);
}

/* Frame-pointer step, for code without CFI (JIT code, hand-written assembly). */
static bool fp_step(struct regs *rg, const struct bounds *b)
{
	uint64_t fp = rg->r[R_RBP], nfp, ra;

	if (!(rg->valid & BIT(R_RBP)) || fp < rg->r[R_RSP] ||
	    !read_stack(b, fp, &nfp) || !read_stack(b, fp + 8, &ra))
		return false;
	rg->r[R_RBP] = nfp;
	rg->r[R_RSP] = fp + 16;
	rg->r[R_RA] = ra;
	rg->valid = BIT(R_RBP) | BIT(R_RSP) | BIT(R_RA);
	return true;
}

static int walk(struct regs *rg, struct bounds b, uint64_t *pcs, int max, unsigned *flags)
{
	bool exact = true;
	int n = 0, token;
	unsigned gen;

	*flags = 0;
	/* Before rebound: the region snapshot it reads may be retired meanwhile otherwise. */
	token = modules_enter_sig();
	gen = modules_generation_sig();
	if (!rebound(&b, rg->r[R_RSP]))
		b.lo = b.hi = 0;	/* unknown stack: the leaf only */
	for (int steps = 0;; steps++) {
		uint64_t pc = rg->r[R_RA], sp = rg->r[R_RSP];
		uint64_t lookup = exact ? pc : pc - 1, key = cache_key(lookup, gen), rule;
		const struct module *m;
		bool signal_frame = false;
		int r = -1;

		if (steps >= max + 64) {
			*flags |= UNWIND_TRUNCATED;
			break;
		}
		if (cache_get(key, &rule)) {
			if (!(rule & RULE_SELF)) {
				if (n == max) {
					*flags |= UNWIND_TRUNCATED;
					break;
				}
				pcs[n++] = lookup;
			}
			if (rule & RULE_OUTERMOST)
				break;
			if (!apply_rule(rule, rg, &b) || rg->r[R_RSP] <= sp) {
				*flags |= UNWIND_INCOMPLETE;
				break;
			}
			if (rg->r[R_RA] == 0)
				break;
			exact = false;
			continue;
		}
		m = modules_find_sig(lookup);
		if (m && is_sigreturn(m, pc)) {
			if (!sigframe_step(rg, &b)) {
				*flags |= UNWIND_INCOMPLETE;
				break;
			}
			exact = true;
			continue;
		}
		if (!m || !m->is_self) {
			if (n == max) {
				*flags |= UNWIND_TRUNCATED;
				break;
			}
			pcs[n++] = lookup;
		}
		if (m && m->eh_frame_hdr) {
			r = cfi_step(m, lookup, rg, &b, &signal_frame, &rule);
			if (r >= 0 && rule)
				cache_put(key, rule | (m->is_self ? RULE_SELF : 0));
		}
		if (r == 0)
			break;
		if (r < 0 && (!fp_step(rg, &b) || !modules_find_sig(rg->r[R_RA] - 1))) {
			*flags |= UNWIND_INCOMPLETE;
			break;
		}
		if (rg->r[R_RA] == 0)
			break;
		if (rg->r[R_RSP] <= sp) {	/* no progress: a loop or a corrupt frame */
			*flags |= UNWIND_INCOMPLETE;
			break;
		}
		exact = signal_frame;
	}
	modules_leave_sig(token);
	return n;
}

int unwind_sig(const ucontext_t *uc, uint64_t stack_lo, uint64_t stack_hi, uint64_t *pcs,
	       int max, unsigned *flags)
{
	struct regs rg;
	struct bounds b = { .stack_lo = stack_lo, .stack_hi = stack_hi };

	load_mcontext(&rg, &uc->uc_mcontext);
	return walk(&rg, b, pcs, max, flags);
}

int unwind_copy_sig(uint64_t pc, uint64_t sp, const void *copy, uint64_t lo, uint64_t hi,
		    uint64_t *pcs, int max, unsigned *flags)
{
	struct bounds b = {
		.delta = (int64_t)((uint64_t)(uintptr_t)copy - lo),
		.fix_lo = lo,
		.fix_hi = hi,
		.fixed = true,
	};
	struct regs rg;

	memset(&rg, 0, sizeof(rg));
	rg.r[R_RA] = pc;
	rg.r[R_RSP] = sp;
	rg.valid = BIT(R_RA) | BIT(R_RSP);
	return walk(&rg, b, pcs, max, flags);
}

__attribute__((noinline)) int unwind_here_sig(uint64_t stack_lo, uint64_t stack_hi,
					       uint64_t *pcs, int max, unsigned *flags)
{
	struct regs rg;

	__asm__ volatile(
		"movq %%rbx, 24(%0)\n\t"
		"movq %%rbp, 48(%0)\n\t"
		"movq %%rsp, 56(%0)\n\t"
		"movq %%r12, 96(%0)\n\t"
		"movq %%r13, 104(%0)\n\t"
		"movq %%r14, 112(%0)\n\t"
		"movq %%r15, 120(%0)\n\t"
		"leaq 0(%%rip), %%rax\n\t"
		"movq %%rax, 128(%0)\n\t"
		: : "r"(rg.r) : "rax", "memory");
	rg.valid = BIT(R_RBX) | BIT(R_RBP) | BIT(R_RSP) | BIT(R_R12) | BIT(R_R13) |
		   BIT(R_R14) | BIT(R_R15) | BIT(R_RA);
	return walk(&rg, (struct bounds){ .stack_lo = stack_lo, .stack_hi = stack_hi }, pcs, max,
		    flags);
}
