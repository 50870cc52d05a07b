/*
 * libdlsymalloc: a test shim, preloaded before libcprof.so, that makes dlsym allocate as
 * older C libraries do (the dlerror state): its dlsym calls calloc and malloc/free each
 * time it is asked for RTLD_NEXT, then looks the name up in the C library. libcprof.so's
 * allocator wrappers are then called while cprof resolves them, and must serve these
 * requests from their start-up arena. The first block is kept in dlsymalloc_kept, holding
 * the text "arena", for the program to inspect, realloc and free.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

char *dlsymalloc_kept;
int dlsymalloc_calls;

static void *(*next_dlsym)(void *, const char *);
static void *libc;

void *dlsym(void *handle, const char *name)
{
	if (!next_dlsym)
		next_dlsym = dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
	if (handle == RTLD_NEXT) {
		char *p = calloc(1, 64);

		free(malloc(32));
		if (p && !dlsymalloc_kept) {
			strcpy(p, "arena");
			dlsymalloc_kept = p;
		} else {
			free(p);
		}
		dlsymalloc_calls++;
		/* The next definition after the preloads, as RTLD_NEXT from libcprof.so finds it. */
		if (!libc)
			libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
		handle = libc;
	}
	return next_dlsym(handle, name);
}
