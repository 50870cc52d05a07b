/*
 * symbols_test.c: unit test of preload/symbols.c and lines.c. Looks up this program's own
 * functions, libc, libstdc++, the vDSO and the shared objects in build/tests/progs, and
 * compares with readelf, addr2line and /proc/self/maps run beside it. Corrupt ELF images
 * go through symbols_probe_image. Prints ok / not ok per check; exits 1 on any failure.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"

#define MAX_FRAMES 16

static int n_failed;
static char self_path[PATH_MAX];
static char progs_dir[PATH_MAX];

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		n_failed++;
}

static void skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok - # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Copies src into dst[size], cut when too long. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* --- functions to find ------------------------------------------------------------------ */

volatile uintptr_t symtest_sink;

__attribute__((noinline, noclone)) uintptr_t symtest_here(void)
{
	return (uintptr_t)__builtin_return_address(0) - 1;
}

/* The call to symtest_here is on the line recorded; storing its result forbids a tail call. */
__attribute__((noinline, noclone)) uintptr_t symtest_alpha(int *line)
{
	uintptr_t pc = symtest_here(); symtest_sink = pc; *line = __LINE__;
	return pc;
}

__attribute__((noinline, noclone)) uintptr_t symtest_beta(int *line, int k)
{
	uintptr_t pc = 0;

	for (int i = 0; i < k; i++)
		symtest_sink += (uintptr_t)i * 7;
	pc = symtest_here(); symtest_sink ^= pc; *line = __LINE__;
	return pc;
}

static inline __attribute__((always_inline)) uintptr_t symtest_inlined(int *line)
{
	uintptr_t pc = symtest_here(); symtest_sink += pc; *line = __LINE__;
	return pc;
}

__attribute__((noinline, noclone)) uintptr_t symtest_outer(int *line, int *call_line)
{
	uintptr_t pc = symtest_inlined(line); *call_line = __LINE__;
	symtest_sink += 3;
	return pc;
}

/* A C++ name with no C++ runtime needed: demangling must load libstdc++ by itself. */
__attribute__((noinline, noclone)) int symtest_cxx(int x) __asm__("_ZN7symtest3cxxEi");
int symtest_cxx(int x)
{
	symtest_sink += (uintptr_t)x;
	return x + 1;
}

/* --- helpers ------------------------------------------------------------------------- */

static const struct symbols_mapping *mapping_of(struct symbols *s, uint64_t addr)
{
	int i = symbols_find_mapping(s, addr);

	return i < 0 ? NULL : symbols_mapping(s, (size_t)i);
}

/* The object's load bias for addr (dl_iterate_phdr), so that vaddr = addr - bias. */
struct bias_q {
	uintptr_t addr, bias;
	int found;
};

static int bias_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct bias_q *q = data;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && q->addr >= lo && q->addr < lo + ph->p_memsz) {
			q->bias = info->dlpi_addr;
			q->found = 1;
			return 1;
		}
	}
	return 0;
}

static uintptr_t load_bias(uintptr_t addr)
{
	struct bias_q q = { addr, 0, 0 };

	dl_iterate_phdr(bias_cb, &q);
	return q.bias;
}

/* readelf -n's build id of path, or "" . */
static void readelf_build_id(const char *path, char *out, size_t size)
{
	char cmd[PATH_MAX + 64], line[512];
	FILE *p;

	out[0] = 0;
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		char *b = strstr(line, "Build ID: ");
		if (b && !out[0]) {
			snprintf(out, size, "%s", b + 10);
			out[strcspn(out, "\r\n ")] = 0;
		}
	}
	pclose(p);
}

/*
 * addr2line -a -i -f for vaddrs of file: frames per address, innermost first. Returns the
 * number of addresses parsed.
 */
struct a2l_frame {
	char func[256];
	char file[PATH_MAX];
	long line;
};

struct a2l {
	int n;
	struct a2l_frame f[MAX_FRAMES];
};

static int addr2line(const char *tool, const char *file, const uint64_t *vaddrs, int n,
		     struct a2l *out)
{
	char *cmd = malloc(PATH_MAX + 64 + (size_t)n * 24);
	char line[PATH_MAX + 300];
	int cur = -1;
	FILE *p;

	if (!cmd)
		return 0;
	int len = !strcmp(tool, "addr2line") ?
		sprintf(cmd, "addr2line -a -i -f -e '%s'", file) :
		sprintf(cmd, "%s --output-style=GNU -a -i -f --obj='%s' 2>/dev/null", tool, file);
	for (int i = 0; i < n; i++)
		len += sprintf(cmd + len, " 0x%" PRIx64, vaddrs[i]);
	p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return 0;
	char func[256] = "";
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "0x", 2) && cur + 1 < n) {
			out[++cur].n = 0;
			func[0] = 0;
			continue;
		}
		if (cur < 0)
			continue;
		if (!func[0]) {
			copy_str(func, sizeof(func), line);
			continue;
		}
		struct a2l *a = &out[cur];
		if (a->n < MAX_FRAMES) {
			struct a2l_frame *f = &a->f[a->n++];
			char *colon = strrchr(line, ':');
			copy_str(f->func, sizeof(f->func), func);
			f->line = 0;
			/* "file:line" or "file:line (discriminator N)" or "??:?" */
			char *disc = strstr(line, " (discriminator");
			if (disc) {
				*disc = 0;
				colon = strrchr(line, ':');
			}
			if (colon) {
				*colon = 0;
				f->line = strtol(colon + 1, NULL, 10);
			}
			copy_str(f->file, sizeof(f->file), line);
		}
		func[0] = 0;
	}
	pclose(p);
	return cur + 1;
}

/*
 * Compares symbols_lookup with tool (addr2line, or llvm-symbolizer in GNU style) run with
 * -i -f on n runtime addresses of the object that holds them. with_inlines: compare every
 * frame; else only the innermost file and line.
 */
static void compare_tool(struct symbols *s, const char *tool, const char *what,
			 const uintptr_t *addrs, int n, int with_inlines)
{
	const struct symbols_mapping *m = mapping_of(s, addrs[0]);
	uint64_t *vaddrs = calloc((size_t)n, sizeof(*vaddrs));
	struct a2l *want = calloc((size_t)n, sizeof(*want));
	int bad = 0, got_n;

	if (!m || !vaddrs || !want) {
		check(0, "%s: addresses have a mapping", what);
		goto out;
	}
	uintptr_t bias = load_bias(addrs[0]);
	for (int i = 0; i < n; i++)
		vaddrs[i] = addrs[i] - bias;
	got_n = addr2line(tool, m->path, vaddrs, n, want);
	if (got_n != n) {
		skip("%s: %s gave %d of %d answers", what, tool, got_n, n);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct symbols_frame fr[MAX_FRAMES];
		int k = symbols_lookup(s, addrs[i], fr, MAX_FRAMES);
		const struct a2l *w = &want[i];
		int nw = with_inlines ? w->n : 1;
		int same = k > 0 && (with_inlines ? k == w->n : 1);

		/* No line known to either (padding, or code without debug information). */
		if (w->n == 1 && w->f[0].line == 0 && (k == 0 || fr[0].line == 0))
			continue;

		for (int j = 0; same && j < nw; j++) {
			long wl = w->f[j].line;
			const char *wf = !strcmp(w->f[j].file, "??") ? "" : w->f[j].file;
			same = fr[j].line == wl && !strcmp(fr[j].file, wf);
			if (with_inlines && j < nw - 1)
				same = same && !strcmp(fr[j].system_name, w->f[j].func);
		}
		if (!same) {
			bad++;
			printf("# %s 0x%" PRIx64 ": %s", what, vaddrs[i], tool);
			for (int j = 0; j < w->n; j++)
				printf(" [%s %s:%ld]", w->f[j].func, w->f[j].file, w->f[j].line);
			printf("\n#   symbols ");
			for (int j = 0; j < k; j++)
				printf(" [%s %s:%" PRId64 "]", fr[j].system_name, fr[j].file,
				       fr[j].line);
			printf("\n");
		}
	}
	check(bad == 0, "%s: %d addresses match %s%s (%d differ)", what, n, tool,
	      with_inlines ? " -i" : "", bad);
out:
	free(vaddrs);
	free(want);
}

static void compare_addr2line(struct symbols *s, const char *what, const uintptr_t *addrs,
			      int n, int with_inlines)
{
	compare_tool(s, "addr2line", what, addrs, n, with_inlines);
}

/* The size of the function at fn, from the dynamic loader's view of its symbol table. */
static uintptr_t fn_size(uintptr_t fn)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;

	if (!dladdr1((void *)fn, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym)
		return 1;
	return sym->st_size ? sym->st_size : 1;
}

/* n addresses spread over the code of the function fn (len bytes; 0: its symbol size). */
static void spread(uintptr_t fn, uintptr_t len, uintptr_t *out, int n)
{
	if (!len)
		len = fn_size(fn);
	for (int i = 0; i < n; i++)
		out[i] = fn + (len * (uintptr_t)i) / (uintptr_t)n;
}

/* --- checks ------------------------------------------------------------------------- */

static void test_own_functions(struct symbols *s)
{
	struct symbols_frame fr[MAX_FRAMES];
	int line = 0, call_line = 0, n;
	uintptr_t pc;

	pc = symtest_alpha(&line);
	n = symbols_lookup(s, pc, fr, MAX_FRAMES);
	check(n == 1 && !strcmp(fr[0].name, "symtest_alpha") &&
	      !strcmp(fr[0].system_name, "symtest_alpha"), "own function name symtest_alpha (%s)",
	      n > 0 ? fr[0].name : "none");
	check(n >= 1 && ends_with(fr[0].file, "/tests/unit/symbols_test.c") && fr[0].file[0] == '/',
	      "own function file is a full path (%s)", n > 0 ? fr[0].file : "none");
	check(n >= 1 && fr[0].line == line, "own function line %d (got %" PRId64 ")", line,
	      n > 0 ? fr[0].line : -1);

	pc = symtest_beta(&line, 5);
	n = symbols_lookup(s, pc, fr, MAX_FRAMES);
	check(n >= 1 && !strcmp(fr[0].name, "symtest_beta") && fr[0].line == line,
	      "symtest_beta at line %d (got %s:%" PRId64 ")", line, n > 0 ? fr[0].name : "none",
	      n > 0 ? fr[0].line : -1);

	pc = symtest_outer(&line, &call_line);
	n = symbols_lookup(s, pc, fr, MAX_FRAMES);
	check(n == 2 && !strcmp(fr[0].name, "symtest_inlined") && fr[0].line == line &&
	      !strcmp(fr[1].name, "symtest_outer") && fr[1].line == call_line &&
	      ends_with(fr[1].file, "symbols_test.c"),
	      "inlined frames symtest_inlined:%d <- symtest_outer:%d (got %d frames: %s:%" PRId64
	      " %s:%" PRId64 ")", line, call_line, n, n > 0 ? fr[0].name : "",
	      n > 0 ? fr[0].line : 0, n > 1 ? fr[1].name : "", n > 1 ? fr[1].line : 0);
	n = symbols_lookup(s, pc, fr, 1);
	check(n == 1 && !strcmp(fr[0].name, "symtest_inlined") && fr[0].line == line,
	      "max=1 keeps the innermost frame");

	n = symbols_lookup(s, (uintptr_t)symtest_cxx, fr, MAX_FRAMES);
	check(n >= 1 && !strcmp(fr[0].system_name, "_ZN7symtest3cxxEi") &&
	      !strcmp(fr[0].name, "symtest::cxx(int)"),
	      "C++ name demangled without libstdc++ linked (%s / %s)", n > 0 ? fr[0].name : "",
	      n > 0 ? fr[0].system_name : "");

	check(symbols_lookup(s, 0, fr, MAX_FRAMES) == 0 && symbols_find_mapping(s, 0) == -1,
	      "address 0 is in no mapping");
	check(symbols_lookup(s, pc, fr, 0) == 0, "max=0 fills nothing");
}

static void test_main_mapping(struct symbols *s)
{
	const struct symbols_mapping *m0 = symbols_mapping(s, 0);
	char line[PATH_MAX + 128];
	int seen = 0, matched = 0, first_ok = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	check(m0 && m0->is_main && !strcmp(m0->path, self_path),
	      "mapping 0 is the main executable (%s)", m0 ? m0->path : "none");
	if (!f || !m0)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off;
		char perms[8], path[PATH_MAX] = "";
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095[^\n]", &lo, &hi, perms, &off,
			   path) < 4 || perms[2] != 'x' || !path[0])
			continue;
		char *del = strstr(path, " (deleted)");
		if (del)
			*del = 0;
		if (!strcmp(path, self_path) && !first_ok)
			first_ok = m0->start == lo && m0->limit == hi && m0->offset == off;
		seen++;
		for (size_t i = 0; i < symbols_n_mappings(s); i++) {
			const struct symbols_mapping *m = symbols_mapping(s, i);
			matched += m->start == lo && m->limit == hi && m->offset == off &&
				   !strcmp(m->path, path);
		}
	}
	fclose(f);
	check(first_ok, "mapping 0 start/limit/offset equal /proc/self/maps (%#llx-%#llx @%#llx)",
	      (unsigned long long)m0->start, (unsigned long long)m0->limit,
	      (unsigned long long)m0->offset);
	check(seen == matched && (size_t)seen == symbols_n_mappings(s),
	      "every executable maps line is one mapping (%d lines, %d matched, %zu mappings)",
	      seen, matched, symbols_n_mappings(s));
	char id[160];
	readelf_build_id(self_path, id, sizeof(id));
	check(id[0] && !strcmp(m0->build_id, id), "main build id %s equals readelf's %s",
	      m0->build_id, id);
}

/*
 * The PLT stubs of an object (the one holding fn) are named NAME@plt, as objdump names
 * them; objdump's *ABS*+0x...@plt (IRELATIVE slots) get the resolver's name instead.
 */
static void test_plt(struct symbols *s, const char *what, const void *fn)
{
	struct symbols_frame fr[MAX_FRAMES];
	char cmd[PATH_MAX + 128], line[512], name[400];
	int n = 0, same = 0, abs_named = 0, abs_n = 0;
	unsigned long long vaddr;
	Dl_info info;
	FILE *p;

	if (!dladdr(fn, &info) || !info.dli_fname) {
		check(0, "%s: dladdr", what);
		return;
	}
	snprintf(cmd, sizeof(cmd), "objdump -d -j .plt -j .plt.sec -j .plt.got '%s' 2>/dev/null",
		 !strcmp(what, "self") ? self_path : info.dli_fname);
	p = popen(cmd, "r");
	if (!p) {
		check(0, "%s: objdump", what);
		return;
	}
	while (fgets(line, sizeof(line), p)) {
		if (sscanf(line, "%llx <%399[^>]>:", &vaddr, name) != 2 || !ends_with(name, "@plt"))
			continue;
		int k = symbols_lookup(s, (uintptr_t)info.dli_fbase + vaddr + 4, fr, MAX_FRAMES);
		if (!strncmp(name, "*ABS*", 5)) {
			abs_n++;
			abs_named += k >= 1 && ends_with(fr[0].name, "@plt");
			if (abs_n == 1)
				printf("# %s %#llx: objdump %s, symbols %s\n", what, vaddr, name,
				       k >= 1 ? fr[0].name : "(none)");
			continue;
		}
		n++;
		if (k >= 1 && !strcmp(fr[0].name, name))
			same++;
		else
			printf("# %s %#llx: objdump %s, symbols %s\n", what, vaddr, name,
			       k >= 1 ? fr[0].name : "(none)");
	}
	pclose(p);
	check(n > 0 && same == n, "%s: %d PLT stubs named as objdump names them (%d differ)", what,
	      n, n - same);
	/* glibc calls its own IFUNCs (memcpy, strlen...) through the PLT: it has such stubs. */
	if (abs_n || !strcmp(what, "libc"))
		check(abs_n > 0 && abs_named == abs_n,
		      "%s: %d of %d IRELATIVE stubs named after their resolver", what, abs_named,
		      abs_n);
}

static void test_libc(struct symbols *s)
{
	struct symbols_frame fr[MAX_FRAMES];
	void *q = dlsym(RTLD_DEFAULT, "qsort");
	const struct symbols_mapping *m = mapping_of(s, (uintptr_t)q);
	char id[160];

	int n = symbols_lookup(s, (uintptr_t)q + 1, fr, MAX_FRAMES);
	check(n >= 1 && !strcmp(fr[n - 1].name, "qsort"), "libc qsort by name (%s)",
	      n > 0 ? fr[n - 1].name : "none");
	check(m && ends_with(m->path, "/libc.so.6") && !m->is_main, "libc mapping path %s",
	      m ? m->path : "none");
	if (!m)
		return;
	readelf_build_id(m->path, id, sizeof(id));
	check(id[0] && !strcmp(m->build_id, id), "libc build id %s equals readelf's %s",
	      m->build_id, id);
	check(m->has_symbols, "libc has symbols after a lookup");

	char dbg[PATH_MAX];
	snprintf(dbg, sizeof(dbg), "/usr/lib/debug/.build-id/%.2s/%s.debug", m->build_id,
		 m->build_id + 2);
	if (access(dbg, R_OK)) {
		skip("no libc debug file %s (libc6-dbg)", dbg);
		return;
	}
	check(m->has_lines && n >= 1 && fr[0].line > 0 && ends_with(fr[0].file, "/msort.c"),
	      "libc lines from the separate debug file (%s:%" PRId64 ")", n > 0 ? fr[0].file : "",
	      n > 0 ? fr[0].line : 0);

	/*
	 * libc's lines against llvm-symbolizer on the innermost frame: binutils 2.40's
	 * addr2line reads DWARF 5 file number N as entry N-1 (strtol.c:106 comes out in
	 * sysdeps/wordsize-64/strtol.c, a 20-line file), llvm-symbolizer does not.
	 */
	const char *names[] = { "qsort", "malloc", "memchr", "strtol", "printf", "fclose",
				"getenv", "pthread_mutex_lock", "dlopen", "time" };
	uintptr_t addrs[20];
	int k = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uintptr_t a = (uintptr_t)dlsym(RTLD_DEFAULT, names[i]);
		if (a && mapping_of(s, a) == m) {
			addrs[k++] = a;
			addrs[k++] = a + fn_size(a) / 2;
		}
	}
	if (system("llvm-symbolizer --version >/dev/null 2>&1") == 0)
		compare_tool(s, "llvm-symbolizer", "libc", addrs, k, 0);
	else
		skip("no llvm-symbolizer to compare libc's DWARF 5 lines with");
}

static void test_cxx(struct symbols *s)
{
	static const char mangled[] = "_ZNSt6chrono3_V212system_clock3nowEv";
	struct symbols_frame fr[MAX_FRAMES];
	void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
	void *fn = h ? dlsym(h, mangled) : NULL;

	if (!fn) {
		skip("no libstdc++.so.6 (%s)", dlerror());
		return;
	}
	symbols_refresh(s);
	int n = symbols_lookup(s, (uintptr_t)fn, fr, MAX_FRAMES);
	check(n >= 1 && !strcmp(fr[n - 1].system_name, mangled) &&
	      !strcmp(fr[n - 1].name, "std::chrono::_V2::system_clock::now()"),
	      "libstdc++ %s demangled to %s", mangled, n > 0 ? fr[n - 1].name : "none");
}

static void test_vdso(struct symbols *s)
{
	struct symbols_frame fr[MAX_FRAMES];
	void *h = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
	void *fn = h ? dlsym(h, "__vdso_clock_gettime") : NULL;
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);

	if (!fn || !base) {
		skip("no vDSO clock_gettime");
		return;
	}
	const struct symbols_mapping *m = mapping_of(s, (uintptr_t)fn);
	int n = symbols_lookup(s, (uintptr_t)fn + 2, fr, MAX_FRAMES);
	check(m && !strcmp(m->path, "[vdso]"), "vdso mapping path %s", m ? m->path : "none");
	check(n >= 1 && !strcmp(fr[n - 1].name, "__vdso_clock_gettime"),
	      "vdso symbol __vdso_clock_gettime (%s)", n > 0 ? fr[n - 1].name : "none");

	/* readelf on a copy of the image in memory is the reference for the build id. */
	char tmp[] = "/tmp/symbols_test_vdso_XXXXXX", id[160];
	int fd = mkstemp(tmp);
	if (fd < 0 || !m)
		return;
	ssize_t w = write(fd, (void *)base, m->limit - base);
	close(fd);
	readelf_build_id(tmp, id, sizeof(id));
	unlink(tmp);
	check(w > 0 && !strcmp(m->build_id, id), "vdso build id '%s' equals readelf's '%s'",
	      m->build_id, id);
}

/* The shared objects built from tests/progs/symtest_*.c, compared with addr2line -i. */
static void test_prog_object(struct symbols *s, const char *name, const char *work,
			     const char *other)
{
	char path[PATH_MAX + 64];
	struct symbols_frame fr[MAX_FRAMES];

	snprintf(path, sizeof(path), "%s/%s", progs_dir, name);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		skip("%s not built (%s)", path, dlerror());
		return;
	}
	uintptr_t a = (uintptr_t)dlsym(h, work), b = (uintptr_t)dlsym(h, other);
	symbols_refresh(s);
	int n = symbols_lookup(s, a, fr, MAX_FRAMES);
	const struct symbols_mapping *m = mapping_of(s, a);
	check(n >= 1 && !strcmp(fr[n - 1].name, work) && m && m->has_lines,
	      "%s: %s found with lines", name, work);
	uintptr_t addrs[20];
	spread(a, 0, addrs, 10);
	spread(b, 0, addrs + 10, 10);
	compare_addr2line(s, name, addrs, 20, 1);
}

/*
 * A stripped copy of symtest_dwarf4 whose symbols and lines live in a separate file found
 * through .gnu_debuglink in the same directory.
 */
static void test_debuglink(struct symbols *s)
{
	char dir[] = "/tmp/symbols_test_XXXXXX", cmd[4 * PATH_MAX], so[PATH_MAX + 32];
	struct symbols_frame fr[MAX_FRAMES];

	if (!mkdtemp(dir))
		return;
	snprintf(so, sizeof(so), "%s/libdl4.so", dir);
	snprintf(cmd, sizeof(cmd),
		 "cp '%s/symtest_dwarf4' %s && cd %s && objcopy --only-keep-debug libdl4.so "
		 "libdl4.dbg && strip --strip-debug --strip-unneeded libdl4.so && "
		 "objcopy --add-gnu-debuglink=libdl4.dbg libdl4.so", progs_dir, so, dir);
	if (system(cmd) != 0) {
		skip("cannot make a stripped copy with objcopy");
		goto out;
	}
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	uintptr_t a = h ? (uintptr_t)dlsym(h, "symtest_d4_other") : 0;
	if (!a) {
		skip("cannot load %s", so);
		goto out;
	}
	symbols_refresh(s);
	int n = symbols_lookup(s, a, fr, MAX_FRAMES);
	const struct symbols_mapping *m = mapping_of(s, a);
	check(n >= 1 && m && m->has_lines && fr[n - 1].line > 0 &&
	      !strcmp(fr[n - 1].name, "symtest_d4_other"),
	      "debug file found through .gnu_debuglink (%s:%" PRId64 ")", n > 0 ? fr[0].file : "",
	      n > 0 ? fr[0].line : 0);
	uintptr_t addrs[20];
	spread(a, 0, addrs, 20);
	compare_addr2line(s, "debuglink copy", addrs, 20, 1);
out:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

static void test_refresh(struct symbols *s)
{
	struct symbols_frame fr[MAX_FRAMES], again[MAX_FRAMES];
	int line;
	uintptr_t pc = symtest_alpha(&line);
	int n = symbols_lookup(s, pc, fr, MAX_FRAMES);
	char name[256], file[PATH_MAX];

	if (n < 1) {
		check(0, "lookup before refresh");
		return;
	}
	snprintf(name, sizeof(name), "%s", fr[0].name);
	snprintf(file, sizeof(file), "%s", fr[0].file);
	size_t before = symbols_n_mappings(s);
	void *h = dlopen("libresolv.so.2", RTLD_NOW | RTLD_LOCAL);
	void *fn = h ? dlsym(h, "ns_name_ntop") : NULL;
	check(symbols_refresh(s) == 0, "refresh after dlopen");
	check(!strcmp(fr[0].name, name) && !strcmp(fr[0].file, file),
	      "strings from before the refresh are intact");
	int k = symbols_lookup(s, pc, again, MAX_FRAMES);
	check(k == n && again[0].name == fr[0].name && again[0].file == fr[0].file,
	      "parsed objects are kept across refresh (same strings)");
	if (fn) {
		k = symbols_lookup(s, (uintptr_t)fn, again, MAX_FRAMES);
		check(symbols_n_mappings(s) > before && k >= 1 &&
		      !strcmp(again[k - 1].name, "ns_name_ntop"),
		      "new library found after refresh (%s)", k > 0 ? again[k - 1].name : "none");
	}
}

/* --- corrupt images ------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* [off, off + size) of the named sections of an intact image, for targeted damage. */
static int find_sections(const uint8_t *img, size_t len, uint64_t range[][2], int max)
{
	const Elf64_Ehdr *eh = (const void *)img;
	int n = 0;

	if (len < sizeof(*eh) || eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len)
		return 0;
	const Elf64_Shdr *sh = (const void *)(img + eh->e_shoff);
	const Elf64_Shdr *str = &sh[eh->e_shstrndx];
	for (int i = 0; i < eh->e_shnum && n < max; i++) {
		const char *nm = (const char *)img + str->sh_offset + sh[i].sh_name;
		if ((!strncmp(nm, ".debug_", 7) || !strcmp(nm, ".symtab") ||
		     !strcmp(nm, ".strtab") || !strcmp(nm, ".dynsym") ||
		     !strncmp(nm, ".note", 5)) &&
		    sh[i].sh_type != SHT_NOBITS && sh[i].sh_size) {
			range[n][0] = sh[i].sh_offset;
			range[n][1] = sh[i].sh_size;
			n++;
		}
	}
	return n;
}

static void test_corrupt(const char *path, const uint64_t *vaddrs, size_t n_vaddrs)
{
	size_t len = 0;
	uint8_t *img = read_file(path, &len), *buf;
	uint64_t sect[64][2];
	int runs = 0;

	if (!img) {
		check(0, "read %s", path);
		return;
	}
	int intact = symbols_probe_image(img, len, vaddrs, n_vaddrs);
	check(intact == (int)n_vaddrs, "intact image of %s: %d of %zu addresses found", path,
	      intact, n_vaddrs);
	buf = malloc(len);
	int n_sect = find_sections(img, len, sect, 64);

	/* Truncations: each prefix length class, including inside every header. */
	for (size_t cut = 0; cut < len; cut += cut < 4096 ? 61 : len / 97 + 1, runs++) {
		memcpy(buf, img, cut);
		symbols_probe_image(buf, cut, vaddrs, n_vaddrs);
	}
	/* Random bytes anywhere, and inside the DWARF, symbol and note sections. */
	const char *env = getenv("SYMBOLS_TEST_FUZZ"), *seed = getenv("SYMBOLS_TEST_SEED");
	int iters = env ? atoi(env) : 3000;

	if (seed && strtoull(seed, NULL, 0))
		rng_state = strtoull(seed, NULL, 0);
	for (int iter = 0; iter < iters; iter++, runs++) {
		memcpy(buf, img, len);
		int flips = 1 + (int)(rnd() % 16);
		for (int k = 0; k < flips; k++) {
			size_t at;
			if (n_sect && (iter & 1)) {
				const uint64_t *r = sect[rnd() % (uint64_t)n_sect];
				at = (size_t)(r[0] + rnd() % r[1]);
			} else if (iter % 3 == 0) {
				at = (size_t)(rnd() % 64);
			} else {
				at = (size_t)(rnd() % len);
			}
			uint64_t v = rnd();
			buf[at] = (uint8_t)(v % 5 == 0 ? 0xff : v % 5 == 1 ? 0 : v >> 8);
		}
		symbols_probe_image(buf, len, vaddrs, n_vaddrs);
	}
	/* Pure garbage behind an ELF header. */
	for (int iter = 0; iter < 200; iter++, runs++) {
		size_t n = 64 + rnd() % 8192;
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd();
		memcpy(buf, img, iter % 2 ? 64 : 16);
		symbols_probe_image(buf, n < len ? n : len, vaddrs, n_vaddrs);
	}
	check(1, "%d truncated or corrupt images of %s parsed without a crash", runs, path);
	free(buf);
	free(img);
}

/* The same damage to a shared object from tests/progs (compressed DWARF for symtest_gz). */
static void test_corrupt_prog(const char *name, const char *work, const char *other)
{
	char path[PATH_MAX + 64];
	uint64_t vaddrs[8];

	snprintf(path, sizeof(path), "%s/%s", progs_dir, name);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	uintptr_t a = h ? (uintptr_t)dlsym(h, work) : 0, b = h ? (uintptr_t)dlsym(h, other) : 0;
	if (!a || !b) {
		skip("%s not built", path);
		return;
	}
	uintptr_t bias = load_bias(a), addrs[8];
	spread(a, 0, addrs, 4);
	spread(b, 0, addrs + 4, 4);
	for (int i = 0; i < 8; i++)
		vaddrs[i] = addrs[i] - bias;
	test_corrupt(path, vaddrs, 8);
}

/* --- cost ----------------------------------------------------------------------------- */

/*
 * In a child process: a fresh struct symbols, then 1000 lookups over libc and this
 * program (every object parsed on first use). Prints time, heap and RSS growth.
 */
static void measure_cost(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid > 0) {
		int st;
		waitpid(pid, &st, 0);
		check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "cost measurement ran");
		return;
	}
	struct rusage ru0, ru1;
	struct timespec t0, t1;
	struct symbols_frame fr[MAX_FRAMES];
	uintptr_t q = (uintptr_t)dlsym(RTLD_DEFAULT, "qsort");
	struct mallinfo2 m0 = mallinfo2();
	getrusage(RUSAGE_SELF, &ru0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct symbols *s = symbols_new();
	if (!s)
		_exit(1);
	const struct symbols_mapping *libc = mapping_of(s, q), *self = symbols_mapping(s, 0);
	int found = 0, with_line = 0;
	for (int i = 0; i < 1000 && libc && self; i++) {
		const struct symbols_mapping *m = i % 2 ? libc : self;
		uintptr_t a = m->start + rnd() % (m->limit - m->start);
		int n = symbols_lookup(s, a, fr, MAX_FRAMES);
		found += n > 0;
		with_line += n > 0 && fr[0].line > 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct mallinfo2 m1 = mallinfo2();
	getrusage(RUSAGE_SELF, &ru1);
	printf("# cost: 1000 lookups (libc with its debug file + this test), %d named, %d with "
	       "lines: %.1f ms, heap +%zu KiB, peak RSS +%ld KiB\n", found, with_line,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	       (m1.uordblks + m1.hblkhd - m0.uordblks - m0.hblkhd) >> 10,
	       ru1.ru_maxrss - ru0.ru_maxrss);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++) {
		const struct symbols_mapping *m = i % 2 ? libc : self;
		symbols_lookup(s, m->start + rnd() % (m->limit - m->start), fr, MAX_FRAMES);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# cost: 1000 more lookups, objects already parsed: %.2f ms\n",
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	symbols_free(s);
	fflush(stdout);
	_exit(found > 900 ? 0 : 1);
}

int main(void)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);

	if (n <= 0)
		return 99;
	self_path[n] = 0;
	snprintf(progs_dir, sizeof(progs_dir), "%s", self_path);
	char *slash = strrchr(progs_dir, '/');
	if (slash)
		*slash = 0;
	slash = strrchr(progs_dir, '/');
	if (slash)
		strcpy(slash, "/progs");

	measure_cost();

	struct symbols *s = symbols_new();
	check(s != NULL, "symbols_new");
	if (!s)
		return 1;
	test_own_functions(s);
	/* Demangling loaded libstdc++ just now: its segments join the mappings. */
	symbols_refresh(s);
	test_main_mapping(s);

	int line, call_line;
	uintptr_t own[20];
	spread((uintptr_t)symtest_beta, 0, own, 8);
	own[8] = symtest_alpha(&line);
	own[9] = symtest_outer(&line, &call_line);
	spread((uintptr_t)symtest_outer, 0, own + 10, 5);
	spread((uintptr_t)main, 0x100, own + 15, 5);
	compare_addr2line(s, "own", own, 20, 1);

	test_libc(s);
	test_plt(s, "self", (const void *)main);
	test_plt(s, "libc", (const void *)printf);
	test_vdso(s);
	test_cxx(s);
	test_prog_object(s, "symtest_dwarf4", "symtest_d4_work", "symtest_d4_other");
	test_prog_object(s, "symtest_gz", "symtest_gz_work", "symtest_gz_other");
	test_debuglink(s);
	test_refresh(s);

	uint64_t vaddrs[20];
	uintptr_t bias = load_bias((uintptr_t)main);
	for (int i = 0; i < 20; i++)
		vaddrs[i] = own[i] - bias;
	test_corrupt(self_path, vaddrs, 20);
	test_corrupt_prog("symtest_gz", "symtest_gz_work", "symtest_gz_other");

	symbols_free(s);
	printf("%s\n", n_failed ? "FAIL" : "PASS");
	return n_failed ? 1 : 0;
}
