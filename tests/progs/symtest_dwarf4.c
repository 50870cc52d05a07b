/*
 * symtest_dwarf4.c: a shared object with DWARF 4 line tables and an inlined call, for
 * tests/unit/symbols_test.c (which dlopens it and compares lookups against addr2line).
 * Built as build/tests/progs/symtest_dwarf4 with -shared -gdwarf-4 (see flags.mk).
 */
static inline __attribute__((always_inline)) unsigned symtest_d4_mix(unsigned x)
{
	x ^= x >> 7;
	x *= 2654435761u;
	return x ^ (x >> 13);
}

__attribute__((noinline)) unsigned symtest_d4_work(unsigned n)
{
	unsigned h = 1;

	for (unsigned i = 0; i < n; i++)
		h = symtest_d4_mix(h + i);
	return h;
}

__attribute__((noinline)) unsigned symtest_d4_other(unsigned n)
{
	return symtest_d4_work(n) * 3 + symtest_d4_mix(n);
}
