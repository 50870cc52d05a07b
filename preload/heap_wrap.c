/*
 * heap_wrap.c: the interposed allocator: the C library's malloc family and the C++
 * operators new and delete (by their mangled names). Each forwards to the real function
 * and accounts for the allocation (heap.h: a thread-local countdown; the rare sampled
 * allocation takes heap.c's slow path). Before real_init has run they resolve it, and
 * while dlsym allocates they serve from the start-up arena (real.h). Built with
 * -fexceptions: an operator new that throws unwinds through its wrapper's cleanup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "heap.h"
#include "real.h"

/* --- signal context --- */

/* Runs heap_nest_leave_sig when the wrapper's block is left, normally or by a throw. */
static void nest_done_sig(uint64_t *saved)
{
	heap_nest_leave_sig(*saved);
}

#define NEST_GUARD \
	uint64_t nest_saved_ __attribute__((cleanup(nest_done_sig))) = heap_nest_enter_sig()

/* Before p (possibly NULL) is released: charges the free to its record if it was sampled. */
static void forget_sig(void *p)
{
	uint32_t id;

	if (!p || real_arena_owns_sig(p))
		return;
	id = heap_take_maybe_sig(p);
	if (unlikely(id))
		heap_freed_sig(id);
}

/*
 * The commonest calls: their fast paths end in a tail call of the real function, with
 * nothing to save around it (the countdown is taken before the call, the slow paths are
 * out of line).
 */
static __attribute__((noinline)) void *malloc_slow_sig(size_t n)
{
	if (!real_malloc && real_init_alloc() < 0)
		return real_arena_alloc_sig(n, 16);
	return heap_account_sig(real_malloc(n), n);
}

CPROF_EXPORT void *malloc(size_t n)
{
	void *(*real_fn)(size_t) = real_malloc;

	if (likely(real_fn) && likely(n < heap_tls.left)) {
		heap_tls.left -= n;
		return real_fn(n);
	}
	return malloc_slow_sig(n);
}

static __attribute__((noinline)) void free_slow_sig(void *p)
{
	uint32_t id = heap_take_maybe_sig(p);

	if (id)
		heap_freed_sig(id);
	if (!real_free && real_init_alloc() < 0)
		return;
	real_free(p);
}

CPROF_EXPORT void free(void *p)
{
	_Atomic uint8_t *f;

	if (!p || real_arena_owns_sig(p))
		return;
	f = atomic_load_explicit(&heap_filter, memory_order_relaxed);
	if (unlikely(f && atomic_load_explicit(&f[heap_filter_index_sig(p)], memory_order_relaxed)) ||
	    unlikely(!real_free)) {
		free_slow_sig(p);
		return;
	}
	real_free(p);
}

/* glibc's old name for free (binaries linked against glibc < 2.26 may still call it). */
CPROF_EXPORT void cfree(void *p) __attribute__((copy(free), alias("free")));

CPROF_EXPORT void *calloc(size_t a, size_t b)
{
	size_t n;
	void *p;

	if (unlikely(!real_calloc) && real_init_alloc() < 0)
		return __builtin_mul_overflow(a, b, &n) ? NULL : real_arena_alloc_sig(n, 16);
	{
		NEST_GUARD;
		p = real_calloc(a, b);
	}
	if (__builtin_mul_overflow(a, b, &n))
		return p;
	return heap_account_sig(p, n);
}

/* realloc of a block from the arena: a new block, and the old one is left where it is. */
static void *arena_realloc_sig(void *p, size_t n)
{
	size_t old = real_arena_size_sig(p);
	void *q;

	if (n == 0)
		return NULL;
	if (!real_malloc && real_init_alloc() < 0)
		q = real_arena_alloc_sig(n, 16);
	else
		q = heap_account_sig(real_malloc(n), n);
	if (q)
		memcpy(q, p, old < n ? old : n);
	return q;
}

/*
 * realloc and reallocarray: a sampled block is taken out of the live table before the
 * real call (afterwards its address may already belong to another thread's block) and
 * put back if the call fails; the result is a new allocation of n bytes.
 */
static void *resize_sig(void *p, size_t a, size_t b, size_t n, bool array)
{
	uint32_t id = 0;
	void *q;

	if (p)
		id = heap_take_maybe_sig(p);
	{
		NEST_GUARD;
		if (array && real_reallocarray)
			q = real_reallocarray(p, a, b);
		else
			q = real_realloc(p, n);
	}
	if (!q && p && n) {
		if (id)
			heap_untake_sig(p, id);
		return NULL;
	}
	if (id)
		heap_freed_sig(id);
	return heap_account_sig(q, n);
}

CPROF_EXPORT void *realloc(void *p, size_t n)
{
	if (p && real_arena_owns_sig(p))
		return arena_realloc_sig(p, n);
	if (unlikely(!real_realloc) && real_init_alloc() < 0)
		return p ? NULL : real_arena_alloc_sig(n, 16);
	return resize_sig(p, n, 1, n, false);
}

CPROF_EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
	size_t n;

	if (__builtin_mul_overflow(a, b, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (p && real_arena_owns_sig(p))
		return arena_realloc_sig(p, n);
	if (unlikely(!real_realloc) && real_init_alloc() < 0)
		return p ? NULL : real_arena_alloc_sig(n, 16);
	return resize_sig(p, a, b, n, true);
}

CPROF_EXPORT void *memalign(size_t align, size_t n)
{
	void *p;

	if (unlikely(!real_memalign) && real_init_alloc() < 0)
		return real_arena_alloc_sig(n, align);
	{
		NEST_GUARD;
		p = real_memalign(align, n);
	}
	return heap_account_sig(p, n);
}

CPROF_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	void *p;

	if (unlikely(!real_aligned_alloc) && real_init_alloc() < 0)
		return real_arena_alloc_sig(n, align);
	{
		NEST_GUARD;
		p = real_aligned_alloc(align, n);
	}
	return heap_account_sig(p, n);
}

CPROF_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	int rc;

	if (unlikely(!real_posix_memalign) && real_init_alloc() < 0) {
		void *p = real_arena_alloc_sig(n, align);

		if (!p)
			return ENOMEM;
		*out = p;
		return 0;
	}
	{
		NEST_GUARD;
		rc = real_posix_memalign(out, align, n);
	}
	if (rc == 0)
		heap_account_sig(*out, n);
	return rc;
}

CPROF_EXPORT void *valloc(size_t n)
{
	void *p;

	if (unlikely(!real_valloc) && real_init_alloc() < 0)
		return real_arena_alloc_sig(n, 4096);
	{
		NEST_GUARD;
		p = real_valloc(n);
	}
	return heap_account_sig(p, n);
}

CPROF_EXPORT void *pvalloc(size_t n)
{
	void *p;

	if (unlikely(!real_pvalloc) && real_init_alloc() < 0)
		return real_arena_alloc_sig(n, 4096);
	{
		NEST_GUARD;
		p = real_pvalloc(n);
	}
	return heap_account_sig(p, n);
}

CPROF_EXPORT size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (real_arena_owns_sig(p))
		return real_arena_size_sig(p);
	if (unlikely(!real_malloc_usable_size) && real_init_alloc() < 0)
		return 0;
	return real_malloc_usable_size(p);
}

/*
 * No C++ runtime to forward to (none could be found although its operator is being
 * called): the C allocator. NEEDSWORK: it cannot throw std::bad_alloc, so an exhausted
 * heap returns NULL from a throwing operator new; only reachable without libstdc++.
 */
static void *cxx_new_fallback_sig(size_t n, size_t align)
{
	void *p = NULL;

	if (!real_malloc && real_init_alloc() < 0)
		return NULL;
	if (align > 16) {
		if (real_posix_memalign(&p, align, n ? n : 1) != 0)
			p = NULL;
	} else {
		p = real_malloc(n ? n : 1);
	}
	return heap_account_sig(p, n);
}

static void cxx_delete_fallback_sig(void *p)
{
	if (p && !real_arena_owns_sig(p) && (real_free || real_init_alloc() == 0))
		real_free(p);
}

/* Defines an operator new: the real one with nesting around it, then the accounting. */
#define CXX_NEW(name, align, params, args)					\
CPROF_EXPORT void *name params							\
{										\
	void *p;								\
										\
	if (unlikely(!real_##name) && real_init_cxx() < 0)			\
		return cxx_new_fallback_sig(n, align);				\
	{									\
		NEST_GUARD;							\
		p = real_##name args;						\
	}									\
	return heap_account_sig(p, n);						\
}

/* Defines an operator delete: the sampled block is forgotten first, then released. */
#define CXX_DELETE(name, params, args)						\
CPROF_EXPORT void name params							\
{										\
	forget_sig(p);								\
	if (unlikely(!real_##name) && real_init_cxx() < 0) {			\
		cxx_delete_fallback_sig(p);					\
		return;								\
	}									\
	real_##name args;							\
}

CXX_NEW(_Znwm, 0, (size_t n), (n))
CXX_NEW(_Znam, 0, (size_t n), (n))
CXX_NEW(_ZnwmRKSt9nothrow_t, 0, (size_t n, const void *nt), (n, nt))
CXX_NEW(_ZnamRKSt9nothrow_t, 0, (size_t n, const void *nt), (n, nt))
CXX_NEW(_ZnwmSt11align_val_t, al, (size_t n, size_t al), (n, al))
CXX_NEW(_ZnamSt11align_val_t, al, (size_t n, size_t al), (n, al))
CXX_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, al, (size_t n, size_t al, const void *nt), (n, al, nt))
CXX_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, al, (size_t n, size_t al, const void *nt), (n, al, nt))

CXX_DELETE(_ZdlPv, (void *p), (p))
CXX_DELETE(_ZdaPv, (void *p), (p))
CXX_DELETE(_ZdlPvm, (void *p, size_t n), (p, n))
CXX_DELETE(_ZdaPvm, (void *p, size_t n), (p, n))
CXX_DELETE(_ZdlPvRKSt9nothrow_t, (void *p, const void *nt), (p, nt))
CXX_DELETE(_ZdaPvRKSt9nothrow_t, (void *p, const void *nt), (p, nt))
CXX_DELETE(_ZdlPvSt11align_val_t, (void *p, size_t al), (p, al))
CXX_DELETE(_ZdaPvSt11align_val_t, (void *p, size_t al), (p, al))
CXX_DELETE(_ZdlPvmSt11align_val_t, (void *p, size_t n, size_t al), (p, n, al))
CXX_DELETE(_ZdaPvmSt11align_val_t, (void *p, size_t n, size_t al), (p, n, al))
CXX_DELETE(_ZdlPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t al, const void *nt), (p, al, nt))
CXX_DELETE(_ZdaPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t al, const void *nt), (p, al, nt))
