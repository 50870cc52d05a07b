// labels_cc: cprof.h from C++: cprof::label_scope puts the thread in a label set for the
// life of a scope. 300 ms of CPU in labels_cc_scoped inside {"lang": "c++"}, then 300 ms
// in labels_cc_outside after the scope has closed. Prints "labels N inside, N after".
#include <cstdio>
#include <ctime>

#include "cprof.h"

static volatile unsigned long sink;

static void burn(long ms)
{
	timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	long long end = ts.tv_sec * 1000000000LL + ts.tv_nsec + ms * 1000000LL;
	do {
		for (int i = 0; i < 20000; i++)
			sink += (unsigned long)i * 2654435761u;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000000000LL + ts.tv_nsec < end);
}

static __attribute__((noinline)) unsigned labels_cc_scoped()
{
	cprof::label_scope scope({ "lang", "c++" });
	burn(300);
	return cprof_labels_get();
}

static __attribute__((noinline)) void labels_cc_outside()
{
	burn(300);
	__asm__ volatile("" ::: "memory");
}

int main()
{
	unsigned inside = labels_cc_scoped();
	labels_cc_outside();
	std::printf("labels %u inside, %u after\n", inside, cprof_labels_get());
	return 0;
}
