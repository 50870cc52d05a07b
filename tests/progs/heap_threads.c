/*
 * heap_threads: 8 threads allocate in thread_alloc and free in thread_free, each freeing
 * what its left neighbour allocated (blocks travel through a lock-free ring per pair), so
 * every free runs on another thread than its allocation. Thread i allocates N blocks of
 * 64 + 16*i bytes; its right neighbour keeps the first K it receives (live at exit) and
 * frees the rest. Prints "expect thread_alloc ..." (see heap_entry.c) and "sizes" with
 * each thread's block size.
 * Usage: heap_threads [N]   (default 20000; K is N/100)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define RING 1024

struct ring {
	void *slot[RING];
	_Atomic unsigned head, tail;	/* head: next to write, tail: next to read */
};

static struct ring rings[THREADS];	/* rings[i]: from thread i-1 to thread i */
static long n_blocks, n_keep;
static pthread_barrier_t start;
void *kept[THREADS][1000];

static size_t size_of(int i)
{
	return 64 + 16 * (size_t)i;
}

__attribute__((noinline, noclone)) void *thread_alloc(int i)
{
	char *p = malloc(size_of(i));

	memset(p, i, 8);
	return p;
}

__attribute__((noinline, noclone)) void thread_free(void *p)
{
	free(p);
	__asm__ volatile("" ::: "memory");
}

static bool push(struct ring *r, void *p)
{
	unsigned h = atomic_load_explicit(&r->head, memory_order_relaxed);

	if (h - atomic_load_explicit(&r->tail, memory_order_acquire) == RING)
		return false;
	r->slot[h % RING] = p;
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

static void *pop(struct ring *r)
{
	unsigned t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	void *p;

	if (t == atomic_load_explicit(&r->head, memory_order_acquire))
		return NULL;
	p = r->slot[t % RING];
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	return p;
}

static void *worker(void *arg)
{
	int i = (int)(long)arg;
	struct ring *out = &rings[(i + 1) % THREADS], *in = &rings[i];
	long sent = 0, got = 0;
	char name[16];

	snprintf(name, sizeof(name), "heapw-%d", i);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&start);
	while (sent < n_blocks || got < n_blocks) {
		void *p;

		if (sent < n_blocks) {
			p = thread_alloc(i);
			while (!push(out, p)) {
				void *q = pop(in);

				if (q) {
					if (got < n_keep)
						kept[i][got] = q;
					else
						thread_free(q);
					got++;
				} else {
					sched_yield();
				}
			}
			sent++;
		}
		while ((p = pop(in))) {
			if (got < n_keep)
				kept[i][got] = p;
			else
				thread_free(p);
			got++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static char out[1 << 16];
	pthread_t th[THREADS];
	long bytes = 0, live_bytes = 0;

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	n_blocks = argc > 1 ? atol(argv[1]) : 20000;
	n_keep = n_blocks / 100 < 1000 ? n_blocks / 100 : 1000;
	pthread_barrier_init(&start, NULL, THREADS);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		bytes += n_blocks * (long)size_of(i);
		live_bytes += n_keep * (long)size_of(i);
	}
	printf("expect thread_alloc calls %ld bytes %ld live_objects %ld live_bytes %ld\n",
	       THREADS * n_blocks, bytes, THREADS * n_keep, live_bytes);
	printf("sizes");
	for (int i = 0; i < THREADS; i++)
		printf(" %zu", size_of(i));
	printf("\n");
	return 0;
}
