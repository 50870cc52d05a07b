/*
 * inject.c: the checks that libcprof.so can be injected (inject.h). It reads ELF headers
 * and "#!" lines as the kernel does and mirrors the kernel's rule for secure execution
 * (security/commoncap.c, cap_bprm_creds_from_file). It never runs anything.
 */
#include "inject.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The kernel's binfmt_script reads this much of a file, and follows this many scripts. */
#define SCRIPT_HEAD 256
#define SCRIPT_DEPTH_MAX 5
#define PHDRS_MAX 4096
#define DYNAMIC_MAX 4096

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif

static const char NOT_STATIC[] = "statically linked, so LD_PRELOAD cannot load libcprof.so";
static const char NOT_SECURE[] = "(secure-execution mode ignores LD_PRELOAD)";

enum linkage { LINK_DYNAMIC, LINK_STATIC, LINK_UNKNOWN };

/* A program header reduced to what both ELF classes share and the checks need. */
struct seg {
	uint32_t type;
	uint64_t offset, filesz;
};

/* Reads the program headers into *out (malloc'd, *n entries). */
static int read_segs(int fd, const unsigned char *ident, struct seg **out, size_t *n)
{
	struct seg *segs;
	uint64_t phoff;
	size_t phnum, phentsize, size;
	unsigned char *buf;

	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
		    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr))
			return -ENOEXEC;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
		    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf32_Phdr))
			return -ENOEXEC;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	}
	if (phnum > PHDRS_MAX)
		return -ENOEXEC;
	size = phnum * phentsize;
	buf = malloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	segs = calloc(phnum ? phnum : 1, sizeof(*segs));
	if (!segs || pread(fd, buf, size, (off_t)phoff) != (ssize_t)size) {
		int err = segs ? -ENOEXEC : -ENOMEM;

		free(segs);
		free(buf);
		return err;
	}
	for (size_t i = 0; i < phnum; i++) {
		if (ident[EI_CLASS] == ELFCLASS64) {
			Elf64_Phdr ph;

			memcpy(&ph, buf + i * phentsize, sizeof(ph));
			segs[i] = (struct seg){ ph.p_type, ph.p_offset, ph.p_filesz };
		} else {
			Elf32_Phdr ph;

			memcpy(&ph, buf + i * phentsize, sizeof(ph));
			segs[i] = (struct seg){ ph.p_type, ph.p_offset, ph.p_filesz };
		}
	}
	free(buf);
	*out = segs;
	*n = phnum;
	return 0;
}

/*
 * ld.so has no PT_INTERP either, yet run as a program ("ld.so ./app") it honours
 * LD_PRELOAD. Unlike a static executable (static-pie included) it has a DT_SONAME.
 */
static bool has_soname(int fd, const unsigned char *ident, const struct seg *dyn)
{
	size_t entsize = ident[EI_CLASS] == ELFCLASS64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
	size_t n = dyn->filesz / entsize;
	bool found = false;
	unsigned char *buf;

	if (n > DYNAMIC_MAX)
		n = DYNAMIC_MAX;
	buf = malloc(n * entsize + 1);
	if (!buf || pread(fd, buf, n * entsize, (off_t)dyn->offset) != (ssize_t)(n * entsize))
		goto out;
	for (size_t i = 0; i < n && !found; i++) {
		int64_t tag;

		if (ident[EI_CLASS] == ELFCLASS64) {
			Elf64_Dyn d;

			memcpy(&d, buf + i * entsize, sizeof(d));
			tag = d.d_tag;
		} else {
			Elf32_Dyn d;

			memcpy(&d, buf + i * entsize, sizeof(d));
			tag = d.d_tag;
		}
		if (tag == DT_NULL)
			break;
		found = tag == DT_SONAME;
	}
out:
	free(buf);
	return found;
}

static enum linkage elf_linkage(int fd, const unsigned char *head, size_t n_head)
{
	enum linkage link = LINK_STATIC;
	const struct seg *dyn = NULL;
	struct seg *segs;
	size_t n;

	if (n_head < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0 ||
	    (head[EI_CLASS] != ELFCLASS64 && head[EI_CLASS] != ELFCLASS32) ||
	    head[EI_DATA] != NATIVE_DATA)
		return LINK_UNKNOWN;
	if (read_segs(fd, head, &segs, &n) != 0)
		return LINK_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		if (segs[i].type == PT_INTERP)
			link = LINK_DYNAMIC;
		if (segs[i].type == PT_DYNAMIC)
			dyn = &segs[i];
	}
	if (link == LINK_STATIC && dyn && has_soname(fd, head, dyn))
		link = LINK_DYNAMIC;
	free(segs);
	return link;
}

/* Why exec'ing this file is secure (a phrase after "it"), or NULL when it is not. */
static const char *secure_reason(int fd)
{
	struct statvfs vfs;
	struct stat st;

	if (fstat(fd, &st) != 0)
		return NULL;
	/* nosuid makes the kernel ignore the set-id bits and file capabilities alike. */
	if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return NULL;
	if ((st.st_mode & S_ISUID) && (st.st_uid != getuid() || st.st_uid != geteuid()))
		return "is setuid";
	/* Without group execute, S_ISGID marks mandatory locking, not setgid. */
	if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
	    (st.st_gid != getgid() || st.st_gid != getegid()))
		return "is setgid";
	/* For a real uid of 0 the kernel grants capabilities without setting AT_SECURE. */
	if (getuid() != 0 && fgetxattr(fd, "security.capability", NULL, 0) > 0)
		return "has file capabilities";
	return NULL;
}

/* The interpreter named on a "#!" line, copied to interp; -ENOEXEC when there is none. */
static int script_interp(const unsigned char *head, size_t n, char *interp, size_t size)
{
	size_t i = 2, start;

	if (n < 2 || head[0] != '#' || head[1] != '!')
		return -ENOEXEC;
	while (i < n && (head[i] == ' ' || head[i] == '\t'))
		i++;
	start = i;
	while (i < n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' && head[i] != '\0')
		i++;
	if (i == start || i - start >= size)
		return -ENOEXEC;
	memcpy(interp, head + start, i - start);
	interp[i - start] = '\0';
	return 0;
}

/*
 * One line: "cannot profile 'P': statically linked, ..." or "...: it is setuid ...", and
 * for an interpreter "...: its interpreter 'I' is statically linked, ...".
 */
static void refuse(const char *shown, const char *interp, bool is_static, const char *secure)
{
	char why[160];

	if (is_static)
		snprintf(why, sizeof(why), "%s%s", interp ? "is " : "", NOT_STATIC);
	else
		snprintf(why, sizeof(why), "%s%s %s", interp ? "" : "it ", secure, NOT_SECURE);
	if (interp)
		fprintf(stderr, "cprofrun: cannot profile '%s': its interpreter '%s' %s\n", shown,
			interp, why);
	else
		fprintf(stderr, "cprofrun: cannot profile '%s': %s\n", shown, why);
}

/*
 * Checks the file at path, which is the program itself or (is_interp) the interpreter
 * that a script at depth - 1 names; shown is the program as messages name it.
 */
static int check_file(const char *shown, const char *path, bool is_interp, int depth)
{
	unsigned char head[SCRIPT_HEAD];
	char next[SCRIPT_HEAD];
	const char *interp = is_interp ? path : NULL, *secure;
	bool is_elf;
	ssize_t n;
	int fd, err = 0;

	if (depth > SCRIPT_DEPTH_MAX)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		goto out;
	switch (elf_linkage(fd, head, (size_t)n)) {
	case LINK_STATIC:
		refuse(shown, interp, true, NULL);
		err = -EPERM;
		goto out;
	case LINK_DYNAMIC:
		secure = secure_reason(fd);
		if (secure) {
			refuse(shown, interp, false, secure);
			err = -EPERM;
		}
		goto out;
	case LINK_UNKNOWN:
		break;
	}
	is_elf = n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0;
	if (script_interp(head, (size_t)n, next, sizeof(next)) == 0)
		err = check_file(shown, next, true, depth + 1);
	else if (!is_interp && !is_elf)
		/* execvp runs a file the kernel cannot exec (ENOEXEC) with /bin/sh. */
		err = check_file(shown, "/bin/sh", true, depth + 1);
out:
	close(fd);
	return err;
}

char *inject_resolve(const char *cmd, int *err)
{
	const char *path = getenv("PATH"), *p, *end;
	char cs_path[256];
	struct stat st;
	char *file;

	*err = ENOENT;
	if (strchr(cmd, '/')) {
		file = strdup(cmd);
		if (!file)
			*err = ENOMEM;
		return file;
	}
	if (*cmd == '\0')
		return NULL;
	if (!path) {
		/* glibc's execvp falls back to the same default search path. */
		if (confstr(_CS_PATH, cs_path, sizeof(cs_path)) == 0)
			return NULL;
		path = cs_path;
	}
	for (p = path;; p = end + 1) {
		int len;

		end = strchrnul(p, ':');
		len = (int)(end - p);
		/* An empty element is the current directory, as for execvp. */
		if (asprintf(&file, "%.*s%s%s", len, p, len ? "/" : "", cmd) < 0) {
			*err = ENOMEM;
			return NULL;
		}
		if (stat(file, &st) == 0) {
			if (S_ISREG(st.st_mode) && access(file, X_OK) == 0)
				return file;
			/* execvp goes on past EACCES (a directory, no x bit) and reports it last. */
			*err = EACCES;
		}
		free(file);
		if (*end == '\0')
			return NULL;
	}
}

int inject_check(const char *file)
{
	return check_file(file, file, false, 0);
}
