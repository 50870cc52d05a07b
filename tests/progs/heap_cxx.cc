/*
 * heap_cxx: every form of C++ operator new and delete, each called a known number of
 * times from a function named after it, some blocks kept live until exit; prints
 *   expect FUNCTION calls N bytes B live_objects K live_bytes L
 * per function (see heap_entry.c). cxx_bad_alloc asks for an impossible size (operator
 * new throws std::bad_alloc, the nothrow form returns NULL), then allocates normally: the
 * profiler must still record those.
 */
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

struct Small {
	char b[40];
};

struct alignas(128) Aligned {
	char b[384];
};

static std::vector<void *> live;

static void expect(const char *fn, long calls, long size, long keep)
{
	printf("expect %s calls %ld bytes %ld live_objects %ld live_bytes %ld\n", fn, calls,
	       calls * size, keep, keep * size);
}

/* Not static: the compiler must not see that nobody reads them. */
Small *small_tmp[1000];
Aligned *aligned_tmp[1000];
char *array_tmp[1000];

extern "C" __attribute__((noinline, noclone)) void cxx_new(long n, long keep)
{
	for (long i = 0; i < n; i++)
		small_tmp[i] = new Small;
	for (long i = 0; i < n; i++)
		if (i < keep)
			live.push_back(small_tmp[i]);
		else
			delete small_tmp[i];	/* sized delete: operator delete(void*, size_t) */
	expect("cxx_new", n, sizeof(Small), keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_new_array(long n, long keep)
{
	for (long i = 0; i < n; i++)
		array_tmp[i] = new char[300];
	for (long i = keep; i < n; i++)
		delete[] array_tmp[i];
	expect("cxx_new_array", n, 300, keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_nothrow(long n, long keep)
{
	for (long i = 0; i < n; i++)
		small_tmp[i] = new (std::nothrow) Small;
	for (long i = keep; i < n; i++)
		::operator delete(small_tmp[i], std::nothrow);
	expect("cxx_nothrow", n, sizeof(Small), keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_nothrow_array(long n, long keep)
{
	for (long i = 0; i < n; i++)
		array_tmp[i] = new (std::nothrow) char[700];
	for (long i = keep; i < n; i++)
		::operator delete[](array_tmp[i], std::nothrow);
	expect("cxx_nothrow_array", n, 700, keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_aligned(long n, long keep)
{
	for (long i = 0; i < n; i++)
		aligned_tmp[i] = new Aligned;	/* operator new(size_t, align_val_t) */
	for (long i = keep; i < n; i++)
		delete aligned_tmp[i];		/* operator delete(void*, size_t, align_val_t) */
	expect("cxx_aligned", n, sizeof(Aligned), keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_aligned_array(long n, long keep)
{
	for (long i = 0; i < n; i++)
		aligned_tmp[i] = new Aligned[2];
	for (long i = keep; i < n; i++)
		delete[] aligned_tmp[i];
	expect("cxx_aligned_array", n, 2 * sizeof(Aligned), keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_aligned_nothrow(long n, long keep)
{
	for (long i = 0; i < n; i++)
		aligned_tmp[i] = new (std::nothrow) Aligned;
	for (long i = keep; i < n; i++)
		::operator delete(aligned_tmp[i], std::align_val_t(alignof(Aligned)), std::nothrow);
	expect("cxx_aligned_nothrow", n, sizeof(Aligned), keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_aligned_unsized(long n, long keep)
{
	for (long i = 0; i < n; i++)
		aligned_tmp[i] = static_cast<Aligned *>(::operator new[](1000, std::align_val_t(256)));
	for (long i = keep; i < n; i++)
		::operator delete[](aligned_tmp[i], std::align_val_t(256));
	expect("cxx_aligned_unsized", n, 1000, keep);
}

/* The remaining forms, called explicitly: plain, sized-array and aligned deletes. */
extern "C" __attribute__((noinline, noclone)) void cxx_explicit(long n, long keep)
{
	const std::align_val_t al = std::align_val_t(64);

	for (long i = 0; i < n; i++)
		array_tmp[i] = static_cast<char *>(::operator new[](500, al, std::nothrow));
	for (long i = keep; i < n; i++) {
		switch (i % 5) {
		case 0:
			::operator delete(array_tmp[i]);
			break;
		case 1:
			::operator delete[](array_tmp[i], (size_t)500);
			break;
		case 2:
			::operator delete(array_tmp[i], al);
			break;
		case 3:
			::operator delete[](array_tmp[i], (size_t)500, al);
			break;
		default:
			::operator delete[](array_tmp[i], al, std::nothrow);
			break;
		}
	}
	expect("cxx_explicit", n, 500, keep);
}

extern "C" __attribute__((noinline, noclone)) void cxx_bad_alloc(long n, long keep)
{
	int thrown = 0;
	void *null = nullptr;

	for (int i = 0; i < 3; i++) {
		try {
			live.push_back(::operator new(~(size_t)0 >> 2));
		} catch (const std::bad_alloc &) {
			thrown++;
		}
		null = ::operator new(~(size_t)0 >> 2, std::nothrow);
		if (null)
			live.push_back(null);
	}
	printf("bad_alloc thrown %d nothrow null %d\n", thrown, null == nullptr);
	for (long i = 0; i < n; i++)
		small_tmp[i] = new Small;
	for (long i = keep; i < n; i++)
		delete small_tmp[i];
	expect("cxx_bad_alloc", n, sizeof(Small), keep);
}

int main()
{
	static char out[1 << 16];

	/* stdout's buffer is ours: printf must not allocate in a measured function. */
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	live.reserve(100000);
	cxx_new(1000, 100);
	cxx_new_array(900, 90);
	cxx_nothrow(800, 80);
	cxx_nothrow_array(700, 70);
	cxx_aligned(600, 60);
	cxx_aligned_array(500, 50);
	cxx_aligned_nothrow(400, 40);
	cxx_aligned_unsized(300, 30);
	cxx_explicit(250, 25);
	cxx_bad_alloc(200, 20);
	fflush(stdout);
	/* The kept blocks stay allocated: the profile at exit shows them in use. */
	return 0;
}
