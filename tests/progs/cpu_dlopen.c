/*
 * cpu_dlopen: two threads dlopen a library, call into it and dlclose it in a loop while
 * a third thread burns CPU and a fourth works inside a second library it loaded once,
 * all sampled at a high rate: no hang, no crash. Prints "loops N".
 * Usage: cpu_dlopen PLUGIN.so STAY.so [ms]  (default 2000)
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

static const char *plugin, *stay;
static int64_t budget_ns;
static long loops[2];

static __attribute__((noinline)) void *dlopen_loop(void *arg)
{
	int64_t end = thread_cpu_ns() + budget_ns;
	long *n = arg;

	while (thread_cpu_ns() < end) {
		void *h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
		unsigned long (*work)(int);

		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			exit(1);
		}
		work = (unsigned long (*)(int))dlsym(h, "plugin_work");
		work(20000);
		dlclose(h);
		(*n)++;
	}
	return NULL;
}

static __attribute__((noinline)) void *dlopen_burner(void *arg)
{
	BURN_NS(budget_ns);
	return NULL;
}

static __attribute__((noinline)) void *dlopen_stayer(void *arg)
{
	void *h = dlopen(stay, RTLD_NOW | RTLD_LOCAL);
	unsigned long (*work)(long);
	int64_t end = thread_cpu_ns() + budget_ns;

	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(1);
	}
	work = (unsigned long (*)(long))dlsym(h, "stay_work");
	while (thread_cpu_ns() < end)
		work(1000000);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[4];

	if (argc < 3)
		return 2;
	plugin = argv[1];
	stay = argv[2];
	budget_ns = (argc > 3 ? atoll(argv[3]) : 2000) * 1000000;
	pthread_create(&th[0], NULL, dlopen_loop, &loops[0]);
	pthread_create(&th[1], NULL, dlopen_loop, &loops[1]);
	pthread_create(&th[2], NULL, dlopen_burner, NULL);
	pthread_create(&th[3], NULL, dlopen_stayer, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("loops %ld\n", loops[0] + loops[1]);
	return 0;
}
