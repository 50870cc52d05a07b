/* libstay: a library cpu_dlopen loads once and keeps, to check attribution inside it. */
volatile unsigned long stay_sink;

__attribute__((noinline)) unsigned long stay_work(long n)
{
	for (long i = 0; i < n; i++)
		stay_sink += (unsigned long)i * 13;
	return stay_sink;
}
