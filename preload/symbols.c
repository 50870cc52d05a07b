/*
 * symbols.c: /proc/self/maps -> executable mappings with GNU build ids; ELF .symtab or
 * .dynsym -> function names (C++ demangled through __cxa_demangle); separate debug files
 * found by build id or .gnu_debuglink. lines.c parses the DWARF this file hands it. Normal
 * context only, one thread at a time per struct symbols; no stdio. Every offset and size
 * read from a file is checked, so a corrupt or vanished file yields no symbols, not a crash.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "limits.h"
#include "lines.h"
#include "common.h"
#include "symbols.h"

#define SYMBOLS_NOTES_MAX	(64u << 10)	/* bytes of one note segment or section */
#define SYMBOLS_BUILD_ID_MAX	64		/* bytes of a build id (hex is twice that) */
#define SYMBOLS_SHDRS_MAX	65536		/* section headers read */
#define SYMBOLS_FRAMES_MAX	65		/* frames asked of lines.c per lookup */
#define SYMBOLS_SYMS_CHUNK	256		/* symbols read per pread (6 KiB of stack) */
#define SYMBOLS_DEBUG_ROOT	"/usr/lib/debug"

#ifndef ELFCOMPRESS_ZLIB
#define ELFCOMPRESS_ZLIB	1
#endif

/* Where an ELF image is read from: a file (fd) or memory (the vDSO, tests). */
struct elf_src {
	int fd;
	const uint8_t *mem;
	uint64_t size;
};

/* An opened ELF image: its headers, checked against the image size. */
struct elf {
	struct elf_src src;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	size_t n_ph;
	Elf64_Shdr *sh;
	size_t n_sh;
	char *shstr;		/* section names, NUL-terminated */
	size_t shstr_size;
};

/* One PT_LOAD of an object's own file: maps file offsets to virtual addresses. */
struct load {
	uint64_t off, filesz, vaddr;
};

/* One function symbol: [start, start + size) in the object's virtual addresses. */
struct sym {
	uint64_t start;
	uint32_t size;
	uint32_t name;		/* offset in object.names */
};

/*
 * One ELF file that is or was mapped. Objects live until symbols_free, so strings handed
 * out stay valid across refreshes; what was parsed is reused when the file maps again.
 */
struct object {
	char *path;
	uint64_t ino;
	uint32_t dev_major, dev_minor;
	bool is_vdso;
	bool probed;		/* build id and PT_LOADs were looked for */
	bool loaded;		/* symbols and lines were looked for */
	char build_id[2 * SYMBOLS_BUILD_ID_MAX + 1];
	struct load *loads;
	size_t n_loads;
	struct sym *syms;
	size_t n_syms;
	char *names;
	struct lines *lines;
};

/* name pointer -> demangled copy (or the name itself when it does not demangle). */
struct demangled {
	const char **key;
	char **val;
	size_t cap, n;
};

struct symbols {
	struct symbols_mapping *maps;
	struct object **map_obj;	/* the object of each mapping */
	uint32_t *by_addr;		/* mapping indexes sorted by start */
	size_t n_maps;
	struct object **objs;
	size_t n_objs, cap_objs;
	struct demangled dm;
};

/* One line of /proc/self/maps. */
struct maps_line {
	uint64_t start, limit, offset, ino;
	uint32_t dev_major, dev_minor;
	char perms[5];
	const char *path;	/* NUL-terminated in the maps buffer, " (deleted)" cut */
};

/* --- reading files without stdio --------------------------------------------------------- */

/* Reads all of path (at most max bytes) into a new NUL-terminated buffer. 0 or -errno. */
static int read_whole(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 64 << 10, n = 0;
	char *b = NULL;
	int err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (n + 1 >= cap || !b) {
			if (b)
				cap *= 2;
			if (cap > max) {
				err = -EFBIG;
				goto out_close;
			}
			char *nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out_close;
			}
			b = nb;
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out_close;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	b = NULL;
out_close:
	free(b);
	close(fd);
	return err;
}

static int src_read(const struct elf_src *src, uint64_t off, void *buf, size_t len)
{
	if (off > src->size || len > src->size - off)
		return -EINVAL;
	if (src->mem) {
		memcpy(buf, src->mem + off, len);
		return 0;
	}
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(src->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		/* The file shrank since fstat: treat it as corrupt. */
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

/* Reads len bytes at off into a new buffer with one NUL byte after them. */
static int src_read_alloc(const struct elf_src *src, uint64_t off, uint64_t len, uint8_t **out)
{
	if (len >= SIZE_MAX)
		return -EFBIG;
	uint8_t *b = malloc((size_t)len + 1);
	if (!b)
		return -ENOMEM;
	int err = src_read(src, off, b, (size_t)len);
	if (err) {
		free(b);
		return err;
	}
	b[len] = 0;
	*out = b;
	return 0;
}

/* --- ELF headers ----------------------------------------------------------------------- */

static void elf_fini(struct elf *e)
{
	free(e->ph);
	free(e->sh);
	free(e->shstr);
	e->ph = NULL;
	e->sh = NULL;
	e->shstr = NULL;
	e->n_ph = e->n_sh = e->shstr_size = 0;
}

/*
 * Reads the ELF header, program headers and section headers of src. Only 64-bit images in
 * the host byte order are accepted (those are the only ones this process can map). Bad
 * section headers leave n_sh 0 rather than failing: program headers still give build id
 * and load addresses. 0 or -errno.
 */
static int elf_init(struct elf *e, const struct elf_src *src)
{
	Elf64_Shdr sh0;
	uint64_t n_sh, shstrndx;

	memset(e, 0, sizeof(*e));
	e->src = *src;
	if (src_read(src, 0, &e->eh, sizeof(e->eh)))
		return -ENOEXEC;
	if (memcmp(e->eh.e_ident, ELFMAG, SELFMAG) || e->eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    e->eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ?
				       ELFDATA2LSB : ELFDATA2MSB))
		return -ENOEXEC;

	if (e->eh.e_phnum && e->eh.e_phentsize == sizeof(Elf64_Phdr) &&
	    e->eh.e_phnum != PN_XNUM) {
		e->ph = malloc(e->eh.e_phnum * sizeof(Elf64_Phdr));
		if (!e->ph)
			return -ENOMEM;
		if (src_read(src, e->eh.e_phoff, e->ph, e->eh.e_phnum * sizeof(Elf64_Phdr))) {
			free(e->ph);
			e->ph = NULL;
		} else {
			e->n_ph = e->eh.e_phnum;
		}
	}

	if (!e->eh.e_shoff || e->eh.e_shentsize != sizeof(Elf64_Shdr))
		return 0;
	/* Many sections: the counts overflow into section header 0 (gABI). */
	n_sh = e->eh.e_shnum;
	shstrndx = e->eh.e_shstrndx;
	if (n_sh == 0 || shstrndx == SHN_XINDEX) {
		if (src_read(src, e->eh.e_shoff, &sh0, sizeof(sh0)))
			return 0;
		if (n_sh == 0)
			n_sh = sh0.sh_size;
		if (shstrndx == SHN_XINDEX)
			shstrndx = sh0.sh_link;
	}
	if (n_sh == 0 || n_sh > SYMBOLS_SHDRS_MAX)
		return 0;
	e->sh = malloc(n_sh * sizeof(Elf64_Shdr));
	if (!e->sh)
		return -ENOMEM;
	if (src_read(src, e->eh.e_shoff, e->sh, n_sh * sizeof(Elf64_Shdr)))
		goto out_no_sections;
	e->n_sh = n_sh;
	if (shstrndx < n_sh && e->sh[shstrndx].sh_type == SHT_STRTAB &&
	    e->sh[shstrndx].sh_size < (16u << 20) &&
	    !src_read_alloc(src, e->sh[shstrndx].sh_offset, e->sh[shstrndx].sh_size,
			    (uint8_t **)&e->shstr))
		e->shstr_size = e->sh[shstrndx].sh_size;
	return 0;

out_no_sections:
	free(e->sh);
	e->sh = NULL;
	return 0;
}

static const char *elf_section_name(const struct elf *e, size_t i)
{
	uint32_t off = e->sh[i].sh_name;

	/* shstr has a NUL after its last byte, so any in-range offset is a C string. */
	return e->shstr && off < e->shstr_size ? e->shstr + off : "";
}

/* Index of the first section named name (and of type type unless 0), or -1. */
static ssize_t elf_find_section(const struct elf *e, const char *name, uint32_t type)
{
	for (size_t i = 1; i < e->n_sh; i++) {
		if ((!type || e->sh[i].sh_type == type) && !strcmp(elf_section_name(e, i), name))
			return (ssize_t)i;
	}
	return -1;
}

static int inflate_all(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
	z_stream zs;
	int err = -EINVAL;

	memset(&zs, 0, sizeof(zs));
	if (in_len > UINT32_MAX || out_len > UINT32_MAX || inflateInit(&zs) != Z_OK)
		return -EINVAL;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_len;
	zs.next_out = out;
	zs.avail_out = (uInt)out_len;
	if (inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == out_len)
		err = 0;
	inflateEnd(&zs);
	return err;
}

/*
 * Reads section i into a new buffer (plus a NUL byte), decompressing SHF_COMPRESSED
 * (zlib) sections and GNU .zdebug ones. -EFBIG when the data would exceed max bytes.
 */
static int elf_section_read(const struct elf *e, size_t i, bool zdebug, size_t max,
			    uint8_t **data, size_t *size)
{
	const Elf64_Shdr *sh = &e->sh[i];
	uint64_t raw_size, out_size;
	size_t hdr = 0;
	uint8_t *raw = NULL, *out = NULL;
	int err;

	if (sh->sh_type == SHT_NOBITS)
		return -ENOENT;
	if (sh->sh_offset > e->src.size || sh->sh_size > e->src.size - sh->sh_offset)
		return -EINVAL;
	if (!(sh->sh_flags & SHF_COMPRESSED) && !zdebug) {
		if (sh->sh_size > max)
			return -EFBIG;
		err = src_read_alloc(&e->src, sh->sh_offset, sh->sh_size, data);
		if (!err)
			*size = (size_t)sh->sh_size;
		return err;
	}

	if (zdebug) {
		uint8_t zh[12];
		/* "ZLIB" and the uncompressed size, big-endian. */
		if (sh->sh_size < sizeof(zh) || src_read(&e->src, sh->sh_offset, zh, sizeof(zh)) ||
		    memcmp(zh, "ZLIB", 4))
			return -EINVAL;
		out_size = 0;
		for (int k = 4; k < 12; k++)
			out_size = out_size << 8 | zh[k];
		hdr = sizeof(zh);
	} else {
		Elf64_Chdr ch;
		if (sh->sh_size < sizeof(ch) || src_read(&e->src, sh->sh_offset, &ch, sizeof(ch)))
			return -EINVAL;
		if (ch.ch_type != ELFCOMPRESS_ZLIB)
			return -ENOTSUP;
		out_size = ch.ch_size;
		hdr = sizeof(ch);
	}
	raw_size = sh->sh_size - hdr;
	if (out_size > max || raw_size > max)
		return -EFBIG;
	err = src_read_alloc(&e->src, sh->sh_offset + hdr, raw_size, &raw);
	if (err)
		return err;
	out = malloc((size_t)out_size + 1);
	if (!out) {
		err = -ENOMEM;
		goto out_raw;
	}
	err = inflate_all(raw, (size_t)raw_size, out, (size_t)out_size);
	if (err) {
		free(out);
		goto out_raw;
	}
	out[out_size] = 0;
	*data = out;
	*size = (size_t)out_size;
out_raw:
	free(raw);
	return err;
}

/* Reads the named section (or its .zdebug twin) as lines_loader.load does. */
static int elf_load_named(const struct elf *e, const char *name, size_t max, uint8_t **data,
			  size_t *size)
{
	ssize_t i = elf_find_section(e, name, 0);
	char zname[64];

	if (i >= 0)
		return elf_section_read(e, (size_t)i, false, max, data, size);
	if (strncmp(name, ".debug_", 7) || strlen(name) + 2 > sizeof(zname))
		return -ENOENT;
	zname[0] = 0;
	strcat(zname, ".zdebug_");
	strcat(zname, name + 7);
	i = elf_find_section(e, zname, 0);
	if (i < 0)
		return -ENOENT;
	return elf_section_read(e, (size_t)i, true, max, data, size);
}

static int loader_load(void *ctx, const char *name, size_t max, uint8_t **data, size_t *size)
{
	return elf_load_named(ctx, name, max, data, size);
}

/* --- build ids ------------------------------------------------------------------------- */

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/*
 * Finds NT_GNU_BUILD_ID in a buffer of notes aligned to align (4, or 8 for segments so
 * aligned: the name and descriptor then start at multiples of 8 from the buffer start).
 * Writes lowercase hex into hex. True if found.
 */
static bool notes_build_id(const uint8_t *p, size_t len, size_t align, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t off = 0;

	while (off <= len && len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, p + off, sizeof(nh));
		uint64_t name = off + sizeof(nh);
		uint64_t desc = align_up(name + nh.n_namesz, align);
		uint64_t next = align_up(desc + nh.n_descsz, align);
		if (desc > len || nh.n_descsz > len - desc)
			return false;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(p + name, "GNU", 4) && nh.n_descsz > 0 &&
		    nh.n_descsz <= SYMBOLS_BUILD_ID_MAX) {
			for (size_t k = 0; k < nh.n_descsz; k++) {
				hex[2 * k] = digits[p[desc + k] >> 4];
				hex[2 * k + 1] = digits[p[desc + k] & 15];
			}
			hex[2 * nh.n_descsz] = 0;
			return true;
		}
		off = next;
	}
	return false;
}

static bool notes_at(const struct elf *e, uint64_t off, uint64_t size, uint64_t align, char *hex)
{
	uint8_t *buf;
	bool found;

	if (size == 0 || size > SYMBOLS_NOTES_MAX || src_read_alloc(&e->src, off, size, &buf))
		return false;
	found = notes_build_id(buf, (size_t)size, align == 8 ? 8 : 4, hex);
	free(buf);
	return found;
}

/* The GNU build id as lowercase hex ("" when none): PT_NOTE first, then SHT_NOTE. */
static void elf_build_id(const struct elf *e, char *hex)
{
	hex[0] = 0;
	for (size_t i = 0; i < e->n_ph; i++) {
		const Elf64_Phdr *ph = &e->ph[i];
		if (ph->p_type == PT_NOTE &&
		    notes_at(e, ph->p_offset, ph->p_filesz, ph->p_align, hex))
			return;
	}
	for (size_t i = 1; i < e->n_sh; i++) {
		const Elf64_Shdr *sh = &e->sh[i];
		if (sh->sh_type == SHT_NOTE &&
		    notes_at(e, sh->sh_offset, sh->sh_size, sh->sh_addralign, hex))
			return;
	}
}

/* --- objects: opening, probing ---------------------------------------------------------- */

/*
 * Opens the file behind an object. The path in /proc/self/maps may since have been
 * replaced (an upgrade) or removed; the inode tells, and /proc/self/map_files still
 * reaches the mapped file when the kernel lets us. 0 with src filled, or -errno.
 */
static int object_open(const struct object *obj, const struct symbols_mapping *m,
		       struct elf_src *src)
{
	char alt[64];
	struct stat st;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	if (obj->is_vdso) {
		uint64_t base = getauxval(AT_SYSINFO_EHDR);
		if (!base || base < m->start || base >= m->limit)
			return -ENOENT;
		src->mem = (const uint8_t *)(uintptr_t)base;
		src->size = m->limit - base;
		return 0;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		const char *path = obj->path;
		if (attempt == 1) {
			snprintf(alt, sizeof(alt), "/proc/self/map_files/%llx-%llx",
				 (unsigned long long)m->start, (unsigned long long)m->limit);
			path = alt;
		}
		/* A device the program mapped is never opened: that could have effects. */
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (obj->ino == 0 || (uint64_t)st.st_ino == obj->ino)) {
			src->fd = fd;
			src->size = (uint64_t)st.st_size;
			return 0;
		}
		close(fd);
	}
	return -ESTALE;
}

static void src_close(struct elf_src *src)
{
	if (src->fd >= 0)
		close(src->fd);
	src->fd = -1;
}

/* Reads the object's build id and PT_LOAD table: cheap, done when it first maps. */
static void object_probe(struct object *obj, const struct symbols_mapping *m)
{
	struct elf_src src;
	struct elf e;

	obj->probed = true;
	if (object_open(obj, m, &src))
		return;
	if (elf_init(&e, &src) == 0) {
		elf_build_id(&e, obj->build_id);
		size_t n = 0;
		for (size_t i = 0; i < e.n_ph; i++)
			n += e.ph[i].p_type == PT_LOAD;
		obj->loads = n ? calloc(n, sizeof(*obj->loads)) : NULL;
		for (size_t i = 0; obj->loads && i < e.n_ph; i++) {
			const Elf64_Phdr *ph = &e.ph[i];
			if (ph->p_type != PT_LOAD)
				continue;
			obj->loads[obj->n_loads++] = (struct load){ ph->p_offset, ph->p_filesz,
								    ph->p_vaddr };
		}
	}
	elf_fini(&e);
	src_close(&src);
}

/* The object's virtual address for a runtime address in mapping m: 0 or -ERANGE. */
static int object_vaddr(const struct object *obj, const struct symbols_mapping *m,
			uint64_t addr, uint64_t *vaddr)
{
	uint64_t off = addr - m->start + m->offset;

	for (size_t i = 0; i < obj->n_loads; i++) {
		const struct load *ld = &obj->loads[i];
		if (off >= ld->off && off - ld->off < ld->filesz) {
			*vaddr = off - ld->off + ld->vaddr;
			return 0;
		}
	}
	return -ERANGE;
}

/* --- symbol tables ---------------------------------------------------------------------- */

/* A symbol while the table is built: where its name is in .strtab, and its rank. */
struct cand {
	uint64_t start, size, end_hint;
	uint32_t name, name_len;	/* name_len stops at a version suffix ("@GLIBC_2.2.5") */
	uint8_t rank;
};

static unsigned underscores(const char *s)
{
	unsigned n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/*
 * Orders candidates by address, then the best name for an address first: GLOBAL over
 * WEAK over LOCAL, default visibility, fewer leading underscores, shorter, then by bytes.
 * Deterministic for any symbol table order.
 */
static int cand_cmp(const void *a, const void *b, void *strtab)
{
	const struct cand *x = a, *y = b;
	const char *xs = (const char *)strtab + x->name, *ys = (const char *)strtab + y->name;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	unsigned ux = underscores(xs), uy = underscores(ys);
	if (ux != uy)
		return ux < uy ? -1 : 1;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	int c = strncmp(xs, ys, x->name_len);
	if (c)
		return c;
	return strcmp(xs, ys);
}

static uint8_t sym_rank(const Elf64_Sym *st)
{
	unsigned bind = ELF64_ST_BIND(st->st_info);
	uint8_t rank = bind == STB_GLOBAL || bind == STB_GNU_UNIQUE ? 3 : bind == STB_WEAK ? 2 : 1;

	return (uint8_t)(rank * 2 + (ELF64_ST_VISIBILITY(st->st_other) == STV_DEFAULT));
}

/* Collects the function symbols of symbol table section i of e. */
static int read_cands(const struct elf *e, size_t i, const char *strtab, size_t strtab_size,
		      struct cand **out, size_t *n_out)
{
	const Elf64_Shdr *sh = &e->sh[i];
	Elf64_Sym chunk[SYMBOLS_SYMS_CHUNK];
	size_t n_syms = sh->sh_size / sizeof(Elf64_Sym), n = 0, cap = 0;
	struct cand *c = NULL;

	if (sh->sh_entsize && sh->sh_entsize != sizeof(Elf64_Sym))
		return -EINVAL;
	for (size_t first = 0; first < n_syms; first += SYMBOLS_SYMS_CHUNK) {
		size_t k = n_syms - first;

		if (k > SYMBOLS_SYMS_CHUNK)
			k = SYMBOLS_SYMS_CHUNK;
		if (src_read(&e->src, sh->sh_offset + first * sizeof(Elf64_Sym), chunk,
			     k * sizeof(Elf64_Sym)))
			break;
		for (size_t j = 0; j < k; j++) {
			const Elf64_Sym *st = &chunk[j];
			unsigned type = ELF64_ST_TYPE(st->st_info);

			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || st->st_value == 0 ||
			    st->st_shndx == SHN_UNDEF || st->st_shndx >= SHN_LORESERVE ||
			    st->st_name == 0 || st->st_name >= strtab_size)
				continue;
			const char *name = strtab + st->st_name;
			if (!*name)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct cand *nc = realloc(c, ncap * sizeof(*c));
				if (!nc) {
					free(c);
					return -ENOMEM;
				}
				c = nc;
				cap = ncap;
			}
			const char *at = strchr(name + 1, '@');
			struct cand *cd = &c[n++];
			cd->start = st->st_value;
			cd->size = st->st_size;
			cd->end_hint = 0;
			if (st->st_shndx < e->n_sh) {
				const Elf64_Shdr *sec = &e->sh[st->st_shndx];
				if (sec->sh_addr <= st->st_value &&
				    st->st_value - sec->sh_addr < sec->sh_size)
					cd->end_hint = sec->sh_addr + sec->sh_size;
			}
			cd->name = st->st_name;
			cd->name_len = (uint32_t)(at ? (size_t)(at - name) : strlen(name));
			cd->rank = sym_rank(st);
		}
	}
	*out = c;
	*n_out = n;
	return 0;
}

/*
 * Builds obj->syms from symbol table section i of e: one symbol per address (the best
 * alias), sizes of 0 extended to the next symbol or the end of the section, names copied
 * into one pool without version suffixes.
 */
static int object_symtab(struct object *obj, const struct elf *e, size_t i)
{
	const Elf64_Shdr *sh = &e->sh[i];
	uint8_t *strtab = NULL;
	struct cand *c = NULL;
	size_t n = 0, kept = 0, pool = 0;
	int err;

	if (sh->sh_link >= e->n_sh || sh->sh_size > CPROF_SYMTAB_MAX ||
	    e->sh[sh->sh_link].sh_size > CPROF_SYMTAB_MAX)
		return -EINVAL;
	const Elf64_Shdr *str = &e->sh[sh->sh_link];
	if (str->sh_type != SHT_STRTAB || str->sh_offset > e->src.size ||
	    str->sh_size > e->src.size - str->sh_offset)
		return -EINVAL;
	err = src_read_alloc(&e->src, str->sh_offset, str->sh_size, &strtab);
	if (err)
		return err;
	err = read_cands(e, i, (const char *)strtab, (size_t)str->sh_size, &c, &n);
	if (err || n == 0)
		goto out_free;
	qsort_r(c, n, sizeof(*c), cand_cmp, strtab);
	for (size_t j = 0; j < n; j++) {
		if (kept && c[kept - 1].start == c[j].start) {
			if (c[j].size > c[kept - 1].size)
				c[kept - 1].size = c[j].size;
			continue;
		}
		c[kept++] = c[j];
		pool += c[j].name_len + 1u;
	}
	err = -ENOMEM;
	obj->syms = malloc(kept * sizeof(*obj->syms));
	obj->names = malloc(pool);
	if (!obj->syms || !obj->names || pool > UINT32_MAX)
		goto out_free;
	size_t at = 0;
	for (size_t j = 0; j < kept; j++) {
		uint64_t size = c[j].size;
		if (size == 0) {
			uint64_t end = c[j].end_hint;
			if (j + 1 < kept && (!end || c[j + 1].start < end))
				end = c[j + 1].start;
			size = end > c[j].start ? end - c[j].start : 1;
		}
		obj->syms[j].start = c[j].start;
		obj->syms[j].size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
		obj->syms[j].name = (uint32_t)at;
		memcpy(obj->names + at, strtab + c[j].name, c[j].name_len);
		at += c[j].name_len;
		obj->names[at++] = 0;
	}
	obj->n_syms = kept;
	err = 0;
out_free:
	if (err) {
		free(obj->syms);
		free(obj->names);
		obj->syms = NULL;
		obj->names = NULL;
		obj->n_syms = 0;
	}
	free(c);
	free(strtab);
	return err;
}

/* The symbol covering vaddr, or NULL. Nested symbols: the nearest start that covers. */
static const struct sym *object_sym(const struct object *obj, uint64_t vaddr)
{
	size_t lo = 0, hi = obj->n_syms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (obj->syms[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo, tries = 0; i-- > 0 && tries < 8; tries++) {
		const struct sym *sy = &obj->syms[i];
		if (vaddr - sy->start < sy->size)
			return sy;
	}
	return NULL;
}

/* --- PLT entries ------------------------------------------------------------------------ */

/*
 * No symbol table names the PLT's stubs, and a sample lands in one now and then (a call
 * through it is one jmp). perf and objdump call them NAME@plt; so does cprof, so that
 * every address of a mapping has a name (has_functions, which tells go tool pprof it
 * need not look for the binary). x86-64 only: each stub of .plt, .plt.sec (with IBT) and
 * .plt.got is named after the relocation that fills the GOT slot its jmp reads: the
 * symbol of a jump slot or GLOB_DAT, the resolver's name for an IRELATIVE slot (libc's
 * memcpy@plt, which objdump calls *ABS*+0x...@plt).
 */
struct plt_entry {
	uint64_t start;
	const char *name;	/* in one of the tables below, or obj->names */
	size_t len;
};

struct plt_tables {
	Elf64_Rela *rela;	/* .rela.plt */
	size_t n_rela;
	Elf64_Rela *dyn;	/* .rela.dyn */
	size_t n_dyn;
	Elf64_Sym *sym;		/* .dynsym */
	size_t n_sym;
	char *str;		/* .dynstr, NUL-terminated */
	size_t str_size;
};

static int read_section(const struct elf *e, ssize_t i, uint32_t type, size_t entsize, void **out,
			size_t *n)
{
	const Elf64_Shdr *sh;

	*out = NULL;
	*n = 0;
	if (i < 0 || (size_t)i >= e->n_sh)
		return -ENOENT;
	sh = &e->sh[i];
	if (sh->sh_type != type || sh->sh_size > CPROF_SYMTAB_MAX)
		return -EINVAL;
	if (src_read_alloc(&e->src, sh->sh_offset, sh->sh_size, (uint8_t **)out))
		return -EINVAL;
	*n = entsize ? sh->sh_size / entsize : sh->sh_size;
	return 0;
}

static void plt_tables_free(struct plt_tables *t)
{
	free(t->rela);
	free(t->dyn);
	free(t->sym);
	free(t->str);
}

/* The name of .dynsym entry idx, cut at a version suffix; NULL when there is none. */
static const char *plt_sym_name(const struct plt_tables *t, uint64_t idx, size_t *len)
{
	const char *name, *at;

	if (idx == 0 || idx >= t->n_sym || t->sym[idx].st_name >= t->str_size)
		return NULL;
	name = t->str + t->sym[idx].st_name;
	if (!*name)
		return NULL;
	at = strchr(name + 1, '@');
	*len = at ? (size_t)(at - name) : strlen(name);
	return name;
}

/* The name of a jump slot's relocation, or NULL. */
static const char *plt_slot_name(const struct object *obj, const struct plt_tables *t,
				 const Elf64_Rela *r, size_t *len)
{
	const struct sym *sy;
	uint32_t type = ELF64_R_TYPE(r->r_info);

	if (type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT)
		return plt_sym_name(t, ELF64_R_SYM(r->r_info), len);
	if (type != R_X86_64_IRELATIVE)
		return NULL;
	sy = object_sym(obj, (uint64_t)r->r_addend);
	if (!sy || sy->start != (uint64_t)r->r_addend)
		return NULL;
	*len = strlen(obj->names + sy->name);
	return obj->names + sy->name;
}

/* The GOT slot a stub jumps through (jmp *disp32(%rip), after endbr64 or bnd), or 0. */
static uint64_t plt_got_slot(const uint8_t *code, size_t len, uint64_t addr)
{
	for (size_t k = 0; k + 6 <= len && k < 8; k++) {
		if (code[k] == 0xff && code[k + 1] == 0x25) {
			int32_t disp;

			memcpy(&disp, code + k + 2, 4);
			return addr + k + 6 + (uint64_t)(int64_t)disp;
		}
	}
	return 0;
}

/* The relocation of GOT slot slot in r[n] (sorted by offset), or NULL. */
static const Elf64_Rela *plt_reloc(const Elf64_Rela *r, size_t n, uint64_t slot)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].r_offset < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && r[lo].r_offset == slot ? &r[lo] : NULL;
}

static int rela_cmp(const void *a, const void *b)
{
	const Elf64_Rela *x = a, *y = b;

	return x->r_offset < y->r_offset ? -1 : x->r_offset > y->r_offset;
}

/*
 * Collects the named stubs of e's PLT sections into *out (malloc'd): every stub whose jmp
 * reads a GOT slot that a jump-slot, IRELATIVE or GLOB_DAT relocation fills. The order of
 * the stubs is the linker's (with -z now it is not .rela.plt's), so each is decoded.
 */
static size_t plt_collect(const struct object *obj, const struct elf *e, struct plt_tables *t,
			  struct plt_entry **out)
{
	static const char *const secs[] = { ".plt", ".plt.sec", ".plt.got" };
	size_t n = 0, cap = 0;
	struct plt_entry *en;

	*out = NULL;
	if (t->n_rela)
		qsort(t->rela, t->n_rela, sizeof(*t->rela), rela_cmp);
	if (t->n_dyn)
		qsort(t->dyn, t->n_dyn, sizeof(*t->dyn), rela_cmp);
	for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
		ssize_t k = elf_find_section(e, secs[i], SHT_PROGBITS);

		if (k >= 0)
			cap += e->sh[k].sh_size / 8;
	}
	if (cap == 0 || cap > (1u << 20) || !(en = calloc(cap, sizeof(*en))))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
		ssize_t k = elf_find_section(e, secs[i], SHT_PROGBITS);
		const Elf64_Shdr *sh;
		uint8_t *code;
		size_t step;

		if (k < 0)
			continue;
		sh = &e->sh[k];
		step = sh->sh_entsize == 8 || sh->sh_entsize == 16 ? sh->sh_entsize : 16;
		if (src_read_alloc(&e->src, sh->sh_offset, sh->sh_size, &code))
			continue;
		for (uint64_t off = 0; off + step <= sh->sh_size && n < cap; off += step) {
			uint64_t slot = plt_got_slot(code + off, step, sh->sh_addr + off);
			const Elf64_Rela *r = plt_reloc(t->rela, t->n_rela, slot);
			const char *name;

			if (!r)
				r = plt_reloc(t->dyn, t->n_dyn, slot);
			if (!slot || !r || !(name = plt_slot_name(obj, t, r, &en[n].len)))
				continue;
			en[n].start = sh->sh_addr + off;
			en[n++].name = name;
		}
		free(code);
	}
	*out = en;
	return n;
}

static int sym_start_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Adds NAME@plt symbols for e's PLT stubs to obj->syms. Failures leave obj as it was. */
static void object_add_plt(struct object *obj, const struct elf *e)
{
	struct plt_tables t = { 0 };
	struct plt_entry *en = NULL;
	size_t n = 0, pool = 0, add = 0, at, kept;
	struct sym *syms = NULL;
	char *names = NULL;
	ssize_t rela, dyn;

	if (e->eh.e_machine != EM_X86_64)
		return;
	rela = elf_find_section(e, ".rela.plt", SHT_RELA);
	dyn = elf_find_section(e, ".rela.dyn", SHT_RELA);
	ssize_t dynsym = rela >= 0 ? (ssize_t)e->sh[rela].sh_link :
			 dyn >= 0 ? (ssize_t)e->sh[dyn].sh_link : -1;
	if (dynsym <= 0 ||
	    read_section(e, dynsym, SHT_DYNSYM, sizeof(Elf64_Sym), (void **)&t.sym, &t.n_sym) ||
	    read_section(e, (ssize_t)e->sh[dynsym].sh_link, SHT_STRTAB, 0, (void **)&t.str,
			 &t.str_size))
		goto out;
	read_section(e, rela, SHT_RELA, sizeof(Elf64_Rela), (void **)&t.rela, &t.n_rela);
	read_section(e, dyn, SHT_RELA, sizeof(Elf64_Rela), (void **)&t.dyn, &t.n_dyn);
	n = plt_collect(obj, e, &t, &en);
	if (n == 0)
		goto out;
	for (size_t i = 0; i < obj->n_syms; i++)
		pool += strlen(obj->names + obj->syms[i].name) + 1;
	for (size_t i = 0; i < n; i++)
		add += en[i].len + sizeof("@plt");
	if (pool + add > UINT32_MAX || !(syms = malloc((obj->n_syms + n) * sizeof(*syms))) ||
	    !(names = malloc(pool + add)))
		goto out;
	at = 0;
	for (size_t i = 0; i < obj->n_syms; i++) {
		size_t len = strlen(obj->names + obj->syms[i].name) + 1;

		syms[i] = obj->syms[i];
		syms[i].name = (uint32_t)at;
		memcpy(names + at, obj->names + obj->syms[i].name, len);
		at += len;
	}
	kept = obj->n_syms;
	for (size_t i = 0; i < n; i++) {
		/* A symbol the table has at the same address stays. */
		const struct sym *had = object_sym(obj, en[i].start);
		if (had && had->start == en[i].start)
			continue;
		syms[kept].start = en[i].start;
		syms[kept].size = 16;
		syms[kept++].name = (uint32_t)at;
		memcpy(names + at, en[i].name, en[i].len);
		memcpy(names + at + en[i].len, "@plt", sizeof("@plt"));
		at += en[i].len + sizeof("@plt");
	}
	qsort(syms, kept, sizeof(*syms), sym_start_cmp);
	free(obj->syms);
	free(obj->names);
	obj->syms = syms;
	obj->names = names;
	obj->n_syms = kept;
	syms = NULL;
	names = NULL;
out:
	free(syms);
	free(names);
	free(en);
	plt_tables_free(&t);
}

/* --- separate debug files --------------------------------------------------------------- */

static bool has_section(const struct elf *e, const char *name)
{
	return elf_find_section(e, name, 0) >= 0;
}

/*
 * Opens a candidate debug file: it must be an ELF file with the object's build id (when
 * the object has one) and not the object itself. 0 with dbg initialised, or -errno.
 */
static int debug_try(const char *path, const struct object *obj, struct elf *dbg)
{
	struct elf_src src = { -1, NULL, 0 };
	char id[2 * SYMBOLS_BUILD_ID_MAX + 1];
	struct stat st;

	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	src.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (src.fd < 0)
		return -errno;
	if (fstat(src.fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino == obj->ino)
		goto out_close;
	src.size = (uint64_t)st.st_size;
	if (elf_init(dbg, &src))
		goto out_fini;
	elf_build_id(dbg, id);
	if (obj->build_id[0] && strcmp(id, obj->build_id))
		goto out_fini;
	return 0;

out_fini:
	elf_fini(dbg);
out_close:
	close(src.fd);
	return -ENOENT;
}

/* The .gnu_debuglink file name of e, in name (size bytes), or false. */
static bool debuglink_name(const struct elf *e, char *name, size_t size)
{
	ssize_t i = elf_find_section(e, ".gnu_debuglink", 0);
	uint8_t *data = NULL;
	size_t len = 0;
	bool ok = false;

	if (i < 0 || elf_section_read(e, (size_t)i, false, 4096, &data, &len))
		return false;
	size_t n = strnlen((const char *)data, len);
	if (n > 0 && n < len && n < size && !memchr(data, '/', n)) {
		memcpy(name, data, n + 1);
		ok = true;
	}
	free(data);
	return ok;
}

/*
 * Finds the object's separate debug file: /usr/lib/debug/.build-id/xx/rest.debug, then
 * the .gnu_debuglink name in the object's directory, its .debug/ and /usr/lib/debug/DIR/.
 */
static int debug_find(const struct object *obj, const struct elf *e, struct elf *dbg)
{
	char path[PATH_MAX], link[256], dir[PATH_MAX];

	if (strlen(obj->build_id) > 2) {
		snprintf(path, sizeof(path), SYMBOLS_DEBUG_ROOT "/.build-id/%.2s/%s.debug",
			 obj->build_id, obj->build_id + 2);
		if (!debug_try(path, obj, dbg))
			return 0;
	}
	if (!debuglink_name(e, link, sizeof(link)))
		return -ENOENT;
	const char *slash = strrchr(obj->path, '/');
	if (!slash || (size_t)(slash - obj->path) >= sizeof(dir))
		return -ENOENT;
	memcpy(dir, obj->path, (size_t)(slash - obj->path));
	dir[slash - obj->path] = 0;
	static const char *const fmt[] = { "%s/%s", "%s/.debug/%s", SYMBOLS_DEBUG_ROOT "%s/%s" };
	for (size_t k = 0; k < sizeof(fmt) / sizeof(fmt[0]); k++) {
		int len = snprintf(path, sizeof(path), fmt[k], dir, link);
		if (len > 0 && (size_t)len < sizeof(path) && !debug_try(path, obj, dbg))
			return 0;
	}
	return -ENOENT;
}

/* --- loading an object ------------------------------------------------------------------ */

/* Reads symbols and lines from an opened image and, when needed, its debug file. */
static void object_load_elf(struct object *obj, const struct elf *e, bool search_debug)
{
	struct elf dbg;
	bool have_dbg = false;
	ssize_t symtab = elf_find_section(e, ".symtab", SHT_SYMTAB);
	bool lines_here = has_section(e, ".debug_line") || has_section(e, ".zdebug_line");

	if (search_debug && (symtab < 0 || !lines_here))
		have_dbg = debug_find(obj, e, &dbg) == 0;

	if (symtab >= 0)
		object_symtab(obj, e, (size_t)symtab);
	if (!obj->n_syms && have_dbg) {
		ssize_t i = elf_find_section(&dbg, ".symtab", SHT_SYMTAB);
		if (i >= 0)
			object_symtab(obj, &dbg, (size_t)i);
	}
	if (!obj->n_syms) {
		ssize_t i = elf_find_section(e, ".dynsym", SHT_DYNSYM);
		if (i >= 0)
			object_symtab(obj, e, (size_t)i);
	}
	object_add_plt(obj, e);

	struct lines_loader ld = { (void *)e, loader_load };
	if (!lines_here && have_dbg)
		ld.ctx = &dbg;
	if (lines_here || have_dbg)
		obj->lines = lines_new(&ld);

	if (have_dbg) {
		src_close(&dbg.src);
		elf_fini(&dbg);
	}
}

/* Parses an object on its first lookup; failures leave it without symbols or lines. */
static void object_load(struct symbols *s, struct object *obj, const struct symbols_mapping *m)
{
	struct elf_src src;
	struct elf e;

	obj->loaded = true;
	if (object_open(obj, m, &src))
		return;
	if (elf_init(&e, &src) == 0)
		object_load_elf(obj, &e, !obj->is_vdso);
	elf_fini(&e);
	src_close(&src);
	for (size_t i = 0; i < s->n_maps; i++) {
		if (s->map_obj[i] == obj) {
			s->maps[i].has_symbols = obj->n_syms > 0;
			s->maps[i].has_lines = obj->lines != NULL;
		}
	}
}

static void object_free(struct object *obj)
{
	free(obj->path);
	free(obj->loads);
	free(obj->syms);
	free(obj->names);
	lines_free(obj->lines);
	free(obj);
}

/* --- C++ names ------------------------------------------------------------------------- */

typedef char *(*demangle_fn)(const char *name, char *buf, size_t *len, int *status);

static demangle_fn demangler;
static pthread_once_t demangler_once = PTHREAD_ONCE_INIT;

/*
 * __cxa_demangle from the program's own libstdc++, or from one loaded for us (never
 * unloaded: libstdc++ does not support it). Looked for once per process.
 */
static void demangler_find(void)
{
	void *fn = dlsym(RTLD_DEFAULT, "__cxa_demangle");

	if (!fn) {
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (h)
			fn = dlsym(h, "__cxa_demangle");
	}
	demangler = (demangle_fn)fn;
}

static void demangled_free(struct demangled *dm)
{
	for (size_t i = 0; i < dm->cap; i++) {
		if (dm->key[i] && dm->val[i] != dm->key[i])
			free(dm->val[i]);
	}
	free(dm->key);
	free(dm->val);
	memset(dm, 0, sizeof(*dm));
}

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t k = (uint64_t)(uintptr_t)p;

	k ^= k >> 29;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 32;
	return (size_t)k & (cap - 1);
}

static int demangled_grow(struct demangled *dm)
{
	size_t cap = dm->cap ? dm->cap * 2 : 64;
	const char **key = calloc(cap, sizeof(*key));
	char **val = calloc(cap, sizeof(*val));

	if (!key || !val) {
		free(key);
		free(val);
		return -ENOMEM;
	}
	for (size_t i = 0; i < dm->cap; i++) {
		if (!dm->key[i])
			continue;
		size_t j = ptr_hash(dm->key[i], cap);
		while (key[j])
			j = (j + 1) & (cap - 1);
		key[j] = dm->key[i];
		val[j] = dm->val[i];
	}
	free(dm->key);
	free(dm->val);
	dm->key = key;
	dm->val = val;
	dm->cap = cap;
	return 0;
}

/*
 * The demangled form of name, a string that lives until symbols_free (name must too).
 * Names that are not C++ (_Z) or that do not demangle come back unchanged.
 */
static const char *demangle(struct symbols *s, const char *name)
{
	struct demangled *dm = &s->dm;
	size_t j;

	if (strncmp(name, "_Z", 2))
		return name;
	if (dm->cap) {
		for (j = ptr_hash(name, dm->cap); dm->key[j]; j = (j + 1) & (dm->cap - 1)) {
			if (dm->key[j] == name)
				return dm->val[j];
		}
	}
	pthread_once(&demangler_once, demangler_find);
	if (!demangler)
		return name;
	if ((dm->n + 1) * 2 > dm->cap && demangled_grow(dm))
		return name;
	int status = -1;
	char *out = demangler(name, NULL, NULL, &status);
	if (status != 0 || !out) {
		free(out);
		out = (char *)name;
	}
	for (j = ptr_hash(name, dm->cap); dm->key[j]; j = (j + 1) & (dm->cap - 1))
		;
	dm->key[j] = name;
	dm->val[j] = out;
	dm->n++;
	return out;
}

/* --- /proc/self/maps ------------------------------------------------------------------- */

static const char *parse_hex(const char *p, uint64_t *v)
{
	uint64_t x = 0;
	const char *start = p;

	for (;; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		x = x << 4 | d;
	}
	*v = x;
	return p == start ? NULL : p;
}

/*
 * Parses one NUL-terminated line of /proc/self/maps (modified in place: the path is cut
 * at " (deleted)"). Format: start-limit perms offset major:minor inode [path].
 */
static bool parse_maps_line(char *line, struct maps_line *ml)
{
	uint64_t v;
	const char *p = line;

	memset(ml, 0, sizeof(*ml));
	if (!(p = parse_hex(p, &ml->start)) || *p++ != '-' || !(p = parse_hex(p, &ml->limit)) ||
	    *p++ != ' ')
		return false;
	for (int i = 0; i < 4; i++) {
		if (!*p)
			return false;
		ml->perms[i] = *p++;
	}
	if (*p++ != ' ' || !(p = parse_hex(p, &ml->offset)) || *p++ != ' ' ||
	    !(p = parse_hex(p, &v)) || *p++ != ':')
		return false;
	ml->dev_major = (uint32_t)v;
	if (!(p = parse_hex(p, &v)) || *p++ != ' ')
		return false;
	ml->dev_minor = (uint32_t)v;
	while (*p >= '0' && *p <= '9')
		ml->ino = ml->ino * 10 + (uint64_t)(*p++ - '0');
	while (*p == ' ')
		p++;
	ml->path = p;
	size_t len = strlen(p);
	static const char deleted[] = " (deleted)";
	if (len >= sizeof(deleted) - 1 && !strcmp(p + len - (sizeof(deleted) - 1), deleted))
		line[(p - line) + len - (sizeof(deleted) - 1)] = 0;
	return ml->start < ml->limit;
}

static struct object *object_find_or_add(struct symbols *s, const struct maps_line *ml)
{
	for (size_t i = 0; i < s->n_objs; i++) {
		struct object *o = s->objs[i];
		if (o->ino == ml->ino && o->dev_major == ml->dev_major &&
		    o->dev_minor == ml->dev_minor && !strcmp(o->path, ml->path))
			return o;
	}
	if (s->n_objs == s->cap_objs) {
		size_t cap = s->cap_objs ? s->cap_objs * 2 : 32;
		struct object **objs = realloc(s->objs, cap * sizeof(*objs));
		if (!objs)
			return NULL;
		s->objs = objs;
		s->cap_objs = cap;
	}
	struct object *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->path = strdup(ml->path);
	if (!o->path) {
		free(o);
		return NULL;
	}
	o->ino = ml->ino;
	o->dev_major = ml->dev_major;
	o->dev_minor = ml->dev_minor;
	o->is_vdso = !strcmp(ml->path, "[vdso]");
	/* Other bracketed names ([vsyscall]) are not files. */
	o->probed = o->loaded = ml->path[0] == '[' && !o->is_vdso;
	s->objs[s->n_objs++] = o;
	return o;
}

static bool line_is_main(const struct maps_line *ml, const struct maps_line *main_ml,
			 const char *exe)
{
	if (main_ml)
		return ml->ino == main_ml->ino && ml->dev_major == main_ml->dev_major &&
		       ml->dev_minor == main_ml->dev_minor && !strcmp(ml->path, main_ml->path);
	return exe[0] && !strcmp(ml->path, exe);
}

/* Sorts mapping indexes by start address (insertion sort: input is nearly sorted). */
static void sort_by_addr(struct symbols *s)
{
	for (size_t i = 0; i < s->n_maps; i++) {
		uint32_t v = (uint32_t)i;
		size_t j = i;
		for (; j > 0 && s->maps[s->by_addr[j - 1]].start > s->maps[v].start; j--)
			s->by_addr[j] = s->by_addr[j - 1];
		s->by_addr[j] = v;
	}
}

static int refresh(struct symbols *s)
{
	struct maps_line *lines = NULL, main_ml;
	bool have_main = false;
	char *buf = NULL, exe[PATH_MAX];
	size_t len = 0, n = 0, cap = 0;
	int err;

	/*
	 * The calling thread's view: /proc/self is the main thread's, which has no maps once
	 * the main thread has called pthread_exit while others run on.
	 */
	err = read_whole("/proc/thread-self/maps", CPROF_MAPS_MAX, &buf, &len);
	if (err)
		err = read_whole("/proc/self/maps", CPROF_MAPS_MAX, &buf, &len);
	if (err)
		return err;
	ssize_t el = readlink("/proc/thread-self/exe", exe, sizeof(exe) - 1);

	if (el <= 0)
		el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[el > 0 ? el : 0] = 0;
	/* AT_PHDR points into the main executable's first segment, whatever its path. */
	uint64_t phdr = getauxval(AT_PHDR);

	for (char *line = buf; line < buf + len;) {
		char *nl = strchr(line, '\n');
		struct maps_line ml;
		if (nl)
			*nl = 0;
		char *next = nl ? nl + 1 : buf + len;
		bool ok = parse_maps_line(line, &ml);
		line = next;
		if (!ok)
			continue;
		if (!have_main && phdr >= ml.start && phdr < ml.limit && ml.path[0] == '/') {
			main_ml = ml;
			have_main = true;
		}
		if (ml.perms[2] != 'x' || !ml.path[0])
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct maps_line *nlines = realloc(lines, cap * sizeof(*lines));
			if (!nlines) {
				err = -ENOMEM;
				goto out_free;
			}
			lines = nlines;
		}
		lines[n++] = ml;
	}

	struct symbols_mapping *maps = calloc(n ? n : 1, sizeof(*maps));
	struct object **map_obj = calloc(n ? n : 1, sizeof(*map_obj));
	uint32_t *by_addr = calloc(n ? n : 1, sizeof(*by_addr));
	if (!maps || !map_obj || !by_addr) {
		free(maps);
		free(map_obj);
		free(by_addr);
		err = -ENOMEM;
		goto out_free;
	}
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const struct maps_line *ml = &lines[i];
			bool is_main = line_is_main(ml, have_main ? &main_ml : NULL, exe);
			if (is_main != (pass == 0))
				continue;
			struct object *o = object_find_or_add(s, ml);
			if (!o)
				continue;
			struct symbols_mapping *m = &maps[k];
			m->start = ml->start;
			m->limit = ml->limit;
			m->offset = ml->offset;
			m->path = o->path;
			m->is_main = is_main;
			if (!o->probed)
				object_probe(o, m);
			m->build_id = o->build_id;
			m->has_symbols = o->n_syms > 0;
			m->has_lines = o->lines != NULL;
			map_obj[k++] = o;
		}
	}
	free(s->maps);
	free(s->map_obj);
	free(s->by_addr);
	s->maps = maps;
	s->map_obj = map_obj;
	s->by_addr = by_addr;
	s->n_maps = k;
	sort_by_addr(s);
	err = 0;
out_free:
	free(lines);
	free(buf);
	return err;
}

/* --- public ------------------------------------------------------------------------- */

/* The target's errno is its own: these run in its exiting thread too. */
int symbols_refresh(struct symbols *s)
{
	int saved_errno = errno;
	int err = refresh(s);

	errno = saved_errno;
	return err;
}

struct symbols *symbols_new(void)
{
	int saved_errno = errno;
	struct symbols *s = calloc(1, sizeof(*s));

	if (s && symbols_refresh(s)) {
		symbols_free(s);
		s = NULL;
	}
	errno = saved_errno;
	return s;
}

void symbols_free(struct symbols *s)
{
	int saved_errno = errno;

	if (!s)
		return;
	for (size_t i = 0; i < s->n_objs; i++)
		object_free(s->objs[i]);
	free(s->objs);
	free(s->maps);
	free(s->map_obj);
	free(s->by_addr);
	demangled_free(&s->dm);
	free(s);
	errno = saved_errno;
}

size_t symbols_n_mappings(const struct symbols *s)
{
	return s->n_maps;
}

const struct symbols_mapping *symbols_mapping(const struct symbols *s, size_t i)
{
	return i < s->n_maps ? &s->maps[i] : NULL;
}

int symbols_find_mapping(const struct symbols *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->maps[s->by_addr[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -1;
	const struct symbols_mapping *m = &s->maps[s->by_addr[lo - 1]];
	return addr < m->limit ? (int)s->by_addr[lo - 1] : -1;
}

/* Fills frames for vaddr of a loaded object; see symbols_lookup. */
static int object_lookup(struct symbols *s, struct object *obj, uint64_t vaddr,
			 struct symbols_frame *frames, int max)
{
	struct lines_frame lf[SYMBOLS_FRAMES_MAX];
	const struct sym *sy = object_sym(obj, vaddr);

	if (!sy)
		return 0;
	const char *sysname = obj->names + sy->name;
	const char *name = demangle(s, sysname);
	int n = lines_lookup(obj->lines, vaddr, lf, max < SYMBOLS_FRAMES_MAX ? max :
			     SYMBOLS_FRAMES_MAX);
	if (n <= 0) {
		frames[0] = (struct symbols_frame){ name, sysname, "", 0, vaddr - sy->start };
		return 1;
	}
	for (int i = 0; i < n; i++) {
		frames[i].offset = vaddr - sy->start;
		frames[i].file = lf[i].file;
		frames[i].line = lf[i].line;
		if (lf[i].func) {
			frames[i].system_name = lf[i].func;
			frames[i].name = demangle(s, lf[i].func);
		} else {
			frames[i].system_name = sysname;
			frames[i].name = name;
		}
	}
	return n;
}

int symbols_lookup(struct symbols *s, uint64_t addr, struct symbols_frame *frames, int max)
{
	int i = symbols_find_mapping(s, addr);
	int saved_errno = errno, n = 0;
	uint64_t vaddr;

	if (i < 0 || max <= 0)
		return 0;
	struct object *obj = s->map_obj[i];
	if (!obj->loaded)
		object_load(s, obj, &s->maps[i]);
	if (object_vaddr(obj, &s->maps[i], addr, &vaddr) == 0)
		n = object_lookup(s, obj, vaddr, frames, max);
	errno = saved_errno;
	return n;
}

int symbols_probe_image(const void *buf, size_t len, const uint64_t *vaddrs, size_t n)
{
	struct elf_src src = { -1, buf, len };
	struct symbols s;
	struct object obj;
	struct elf e;
	struct symbols_frame frames[8];
	int found = 0, err;

	memset(&s, 0, sizeof(s));
	memset(&obj, 0, sizeof(obj));
	err = elf_init(&e, &src);
	if (err)
		goto out_free;
	elf_build_id(&e, obj.build_id);
	object_load_elf(&obj, &e, false);
	for (size_t i = 0; i < n; i++)
		found += object_lookup(&s, &obj, vaddrs[i], frames, 8) > 0;
	err = found;
out_free:
	elf_fini(&e);
	free(obj.syms);
	free(obj.names);
	lines_free(obj.lines);
	demangled_free(&s.dm);
	return err;
}
