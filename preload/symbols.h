/*
 * symbols.h: turn addresses of this process into mappings (with GNU build ids), function
 * names (demangled for C++), and source files and lines where debug information exists.
 * Normal context only: it reads /proc/self/maps and ELF files and allocates with malloc.
 * The preload calls it from its background thread or at exit; the unit tests call it
 * directly. Stack capture is the unwinder's job, not this file's.
 */
#ifndef CPROF_SYMBOLS_H
#define CPROF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbols;

/* One executable segment of a loaded object, as /proc/self/maps shows it. */
struct symbols_mapping {
	uint64_t start;		/* memory_start */
	uint64_t limit;		/* memory_limit, exclusive */
	uint64_t offset;	/* file offset of the segment (not 0 for most segments) */
	const char *path;	/* "[vdso]" for the vDSO; " (deleted)" removed */
	const char *build_id;	/* NT_GNU_BUILD_ID as lowercase hex, "" when none */
	bool is_main;		/* the main executable */
	bool has_symbols;	/* a symbol table (.symtab or .dynsym) was found */
	bool has_lines;		/* DWARF line information was found */
};

/* One frame at an address; several when code was inlined (innermost first). */
struct symbols_frame {
	const char *name;	/* demangled when the symbol is a C++ (_Z) name */
	const char *system_name;	/* the symbol as the linker sees it */
	const char *file;	/* "" when unknown */
	int64_t line;		/* 0 when unknown */
	uint64_t offset;	/* the address minus the start of its (outermost) symbol */
};

/*
 * Reads /proc/self/maps now and returns a snapshot of the executable mappings (only
 * segments whose permissions have 'x' and that have a path, as Go's runtime/pprof keeps
 * them; [vdso] included). The main executable's segments come first, then the others in
 * /proc/self/maps order. ELF files are opened lazily, on the first lookup in them.
 * NULL when out of memory or when /proc/self/maps cannot be read.
 */
struct symbols *symbols_new(void);

/*
 * Re-reads /proc/self/maps, keeping what was already parsed for objects that are still
 * mapped at the same place (so periodic dumps do not parse libc again). 0 or -errno.
 * Pointers from earlier lookups stay valid until symbols_free.
 */
int symbols_refresh(struct symbols *s);
void symbols_free(struct symbols *s);

size_t symbols_n_mappings(const struct symbols *s);
const struct symbols_mapping *symbols_mapping(const struct symbols *s, size_t i);

/* Index of the mapping that contains addr, or -1. */
int symbols_find_mapping(const struct symbols *s, uint64_t addr);

/*
 * Symbolizes addr (an exact PC, or a return address minus 1: the caller has already
 * adjusted it). Fills up to max frames, innermost first, and returns how many: 0 when the
 * address is in no mapping or no symbol covers it. Strings belong to s and stay valid
 * until symbols_free.
 */
int symbols_lookup(struct symbols *s, uint64_t addr, struct symbols_frame *frames, int max);

/*
 * Test seam: parses buf[0..len) as an ELF file the way a mapped object's file is parsed
 * (build id, .symtab or .dynsym, DWARF lines and inlined calls; no debug-file search),
 * then looks up each of the n virtual addresses vaddrs. Returns how many of them got a
 * frame, or -errno when buf is no usable ELF image. Reads nothing outside buf, so a
 * truncated or corrupt image must only ever yield fewer frames.
 */
int symbols_probe_image(const void *buf, size_t len, const uint64_t *vaddrs, size_t n);

#endif
