/*
 * cprof_example: a complete program using cprof.h, the example docs/user-guide.md shows.
 * A toy server: worker threads handle "checkout" and "browse" requests, each inside a
 * labelled region (Go's pprof.Do), and track the handles they open in a custom profile
 * (Go's pprof.NewProfile); a few handles leak, from two known places. It builds with
 * nothing of cprof's at link time and runs the same without it (every call a no-op).
 * Usage: cprof_example [requests per worker [TEXT]] (default 40). Prints what the API
 * says; with TEXT, also writes the handles profile there in Go's debug=1 text form.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cprof.h"

#define WORKERS 2

static cprof_profile *handles;
static int per_worker = 40;
static volatile unsigned long sink;

/* Spends about ms milliseconds of this thread's CPU time here. */
static void burn(int ms)
{
	struct timespec ts;
	long long end;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = ts.tv_sec * 1000000000LL + ts.tv_nsec + ms * 1000000LL;
	do {
		for (int i = 0; i < 20000; i++)
			sink += (unsigned long)i * 2654435761u;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000000000LL + ts.tv_nsec < end);
}

/* A handle is any object; its address is its key in the profile. */
struct handle {
	int fd;
};

static __attribute__((noinline)) struct handle *example_open_file(void)
{
	struct handle *h = malloc(sizeof(*h));

	h->fd = 1;
	cprof_profile_add(handles, h, 0);
	return h;
}

static __attribute__((noinline)) struct handle *example_open_socket(void)
{
	struct handle *h = malloc(sizeof(*h));

	h->fd = 2;
	cprof_profile_add(handles, h, 0);
	return h;
}

static void example_close(struct handle *h)
{
	cprof_profile_remove(handles, h);
	free(h);
}

static __attribute__((noinline)) void example_pay(void)
{
	burn(2);
	__asm__ volatile("" ::: "memory");	/* a frame of its own: no tail call */
}

/* (Each burns its own amount: GCC would fold identical functions into one.) */
static __attribute__((noinline)) void example_refund(void)
{
	burn(3);
	__asm__ volatile("" ::: "memory");	/* a frame of its own: no tail call */
}

static __attribute__((noinline)) void example_checkout(int n)
{
	struct handle *f = example_open_file(), *s = example_open_socket();
	cprof_labels_t prev;

	burn(6);
	/* Nested regions inherit the labels around them and add their own... */
	prev = cprof_labels_push(CPROF_PAIRS("step", "pay"));
	example_pay();
	cprof_labels_restore(prev);
	/* ...or override them. */
	prev = cprof_labels_push(CPROF_PAIRS("request", "refund"));
	example_refund();
	cprof_labels_restore(prev);
	example_close(f);
	/* Every fourth checkout leaks its socket. */
	if (n % 4)
		example_close(s);
	__asm__ volatile("" ::: "memory");	/* a frame of its own: no tail call */
}

static __attribute__((noinline)) void example_browse(int n)
{
	struct handle *f = example_open_file();

	burn(4);
	/* Every fifth browse leaks its file. */
	if (n % 5)
		example_close(f);
	__asm__ volatile("" ::: "memory");	/* a frame of its own: no tail call */
}

static __attribute__((noinline)) void example_idle(void)
{
	burn(5);
	__asm__ volatile("" ::: "memory");	/* a frame of its own: no tail call */
}

static void checkout(void *arg)
{
	example_checkout(*(int *)arg);
}

static void *worker(void *arg)
{
	char id[16];
	const char *worker_labels[] = { "worker", id };

	snprintf(id, sizeof(id), "%d", (int)(long)arg);
	/* Go's SetGoroutineLabels: this thread's labels from now on. */
	cprof_labels_set(cprof_labels_with(cprof_labels_get(), 1, worker_labels));
	for (int n = 0; n < per_worker; n++) {
		cprof_labels_t prev;

		/* Go's pprof.Do, as a function call... */
		cprof_labels_do(CPROF_PAIRS("request", "checkout"), checkout, &n);
		/* ...or as a bracket. */
		prev = cprof_labels_push(CPROF_PAIRS("request", "browse"));
		example_browse(n);
		cprof_labels_restore(prev);
		example_idle();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[WORKERS];
	cprof_labels_t prev;
	const char *kv[2];

	if (argc > 1)
		per_worker = atoi(argv[1]);
	printf("enabled %d\n", cprof_enabled());
	handles = cprof_profile_new("handles");
	printf("new handles: %s\n", handles ? cprof_profile_name(handles) : "(none)");
	printf("new handles again: %s\n", cprof_profile_new("handles") ? "made" : "refused");
	printf("lookup: %s\n", cprof_profile_lookup("handles") == handles && handles ? "same" : "none");
	printf("reserved name: %s\n", cprof_profile_new("heap") ? "made" : "refused");
	/* Threads start in their creator's labels, as goroutines do. */
	prev = cprof_labels_push(CPROF_PAIRS("component", "server"));
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	if (cprof_labels_list(cprof_labels_get(), kv, 1) == 1)
		printf("main labels: %s=%s\n", kv[0], kv[1]);
	cprof_labels_restore(prev);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(th[i], NULL);
	printf("main labels after restore: %u\n", cprof_labels_get());
	{
		struct handle h;
		int first = cprof_profile_add(handles, &h, 0), second = cprof_profile_add(handles, &h, 0);

		printf("add twice: %d %d\n", first, second);
		first = cprof_profile_remove(handles, &h);
		second = cprof_profile_remove(handles, &h);
		printf("remove twice: %d %d\n", first, second);
	}
	/* Leaks: per worker, one socket per 4 checkouts and one file per 5 browses. */
	printf("handles %ld expected %d\n", cprof_profile_count(handles),
	       cprof_enabled() ? WORKERS * ((per_worker + 3) / 4 + (per_worker + 4) / 5) : 0);
	/* Go's Lookup("handles").WriteTo(w, 1). */
	if (argc > 2)
		printf("write text: %d\n", cprof_write_profile("handles", argv[2], 1));
	return 0;
}
