/*
 * fd_release: closes fd 3 (a pipe it inherited) at once, and its stderr after 300 ms,
 * then burns CPU in release_work for 2.5 s more: whoever reads those pipes must see end
 * of file when the program closes them, not when it exits. Prints nothing.
 */
#include <unistd.h>

#include "burn.h"

static __attribute__((noinline, noclone)) void release_work(int64_t ns)
{
	BURN_NS(ns);
}

int main(void)
{
	close(3);
	release_work(300 * 1000000);
	close(2);
	release_work(2500 * 1000000LL);
	return 0;
}
