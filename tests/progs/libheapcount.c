/*
 * libheapcount: a test shim preloaded *after* libcprof.so, so that libcprof.so's real_*
 * allocator pointers lead here. It forwards to glibc's __libc_* functions and counts the
 * calls a thread makes between heapcount_begin() and heapcount_end() (the program finds
 * both with dlsym). Every call the program makes reaches here exactly once through cprof's
 * wrapper; a call made by cprof's own sampling path (which must never allocate) would be
 * counted on top.
 */
#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static __thread int counting;
static __thread long calls;

void heapcount_begin(void)
{
	calls = 0;
	counting = 1;
}

long heapcount_end(void)
{
	counting = 0;
	return calls;
}

#define NOTE() do { if (counting) calls++; } while (0)

void *malloc(size_t n) { NOTE(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { NOTE(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { NOTE(); return __libc_realloc(p, n); }
void free(void *p) { NOTE(); __libc_free(p); }
void *memalign(size_t a, size_t n) { NOTE(); return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { NOTE(); return __libc_memalign(a, n); }
void *valloc(size_t n) { NOTE(); return __libc_valloc(n); }
void *pvalloc(size_t n) { NOTE(); return __libc_pvalloc(n); }

int posix_memalign(void **out, size_t a, size_t n)
{
	void *p;

	NOTE();
	p = __libc_memalign(a, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
