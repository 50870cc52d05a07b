/*
 * libmalloccheck: a test shim preloaded before libcprof.so. It forwards the malloc family
 * to glibc and counts the calls made while SIGPROF is blocked in the calling thread,
 * which is the case inside cprof's SIGPROF handler (and nowhere else in the test
 * program; cprof's own background thread, named "cprof", is not counted). At exit it
 * prints "malloccheck: in_handler N calls M" to the file named by MALLOCCHECK_OUT (not in
 * cprofrun itself, which inherits the same LD_PRELOAD).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static _Atomic long in_handler, calls;
static __thread int busy;

static void note(void)
{
	sigset_t cur;
	char name[16] = "";

	if (busy)
		return;
	busy = 1;
	calls++;
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGPROF)) {
		prctl(PR_GET_NAME, name, 0, 0, 0);
		if (strcmp(name, "cprof") != 0)
			in_handler++;
	}
	busy = 0;
}

void *malloc(size_t n) { note(); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { note(); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { note(); return __libc_realloc(p, n); }
void free(void *p) { if (p) note(); __libc_free(p); }

__attribute__((destructor)) static void report(void)
{
	const char *out = getenv("MALLOCCHECK_OUT");
	FILE *f;

	busy = 1;
	if (!strcmp(program_invocation_short_name, "cprofrun"))
		return;
	if (!out || !(f = fopen(out, "w")))
		return;
	fprintf(f, "malloccheck: in_handler %ld calls %ld\n", (long)in_handler, (long)calls);
	fclose(f);
}
