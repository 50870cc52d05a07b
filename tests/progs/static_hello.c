/* static_hello: a statically linked program, which LD_PRELOAD cannot reach. */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
