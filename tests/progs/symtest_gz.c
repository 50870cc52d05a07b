/*
 * symtest_gz.c: a shared object whose DWARF 5 sections are zlib-compressed
 * (SHF_COMPRESSED), with an inlined call, for tests/unit/symbols_test.c. Built as
 * build/tests/progs/symtest_gz with -shared -gz=zlib (see flags.mk).
 */
static inline __attribute__((always_inline)) unsigned symtest_gz_mix(unsigned x)
{
	x += x << 10;
	x ^= x >> 6;
	return x * 2246822519u;
}

__attribute__((noinline)) unsigned symtest_gz_work(unsigned n)
{
	unsigned h = 7;

	for (unsigned i = 0; i < n; i++)
		h = symtest_gz_mix(h ^ i);
	return h;
}

__attribute__((noinline)) unsigned symtest_gz_other(unsigned n)
{
	return symtest_gz_work(n) + symtest_gz_mix(n * 5);
}
