/*
 * lines.h: DWARF line tables (.debug_line v2 to v5) and inlined-call chains (.debug_info)
 * of one ELF object, looked up by the object's virtual address. symbols.c finds and loads
 * the sections (it knows ELF files, compression and debug links); this file only parses
 * DWARF, checking every offset. Normal context only; one thread at a time per object.
 */
#ifndef CPROF_LINES_H
#define CPROF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lines;

/*
 * How lines_new reads sections. load() puts the named section (".debug_line",
 * ".debug_info", ...), decompressed, into a new malloc'd buffer of at most max bytes, which
 * the caller of load() then owns: 0 with *data and *size set, -ENOENT when the object has
 * no such section, -EFBIG when it is larger than max, or another -errno. lines_new calls it
 * only while it runs.
 */
struct lines_loader {
	void *ctx;
	int (*load)(void *ctx, const char *name, size_t max, uint8_t **data, size_t *size);
};

/* One frame of a lookup; see lines_lookup. */
struct lines_frame {
	const char *func;	/* DWARF name (linkage name when there is one); NULL: outermost */
	const char *file;	/* full path as addr2line prints it, "" when unknown */
	int64_t line;		/* 0 when unknown */
};

/*
 * Parses the line programs (and, when .debug_info is small enough, the inlined calls) of
 * one object. Sequences are indexed now; rows are decoded again on each lookup, so memory
 * stays near the size of .debug_line. NULL when the object has no usable .debug_line or
 * on out of memory: the object then simply has no lines.
 */
struct lines *lines_new(const struct lines_loader *ld);

/*
 * Frames for vaddr (a virtual address of the object, not a runtime address), innermost
 * first: each inlined call is a frame naming the inlined function, and the last frame,
 * with func NULL, is the function the symbol table names. Fills at most max frames and
 * returns how many (0 when no line covers vaddr). Strings belong to l and stay valid until
 * lines_free.
 */
int lines_lookup(struct lines *l, uint64_t vaddr, struct lines_frame *frames, int max);

/* True when inlined-call information was loaded for this object. */
bool lines_has_inlines(const struct lines *l);

/* Frees l and every string it returned. NULL is accepted. */
void lines_free(struct lines *l);

#endif
