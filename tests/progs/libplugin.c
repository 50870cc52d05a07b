/* libplugin: a small library that cpu_dlopen loads and unloads in a loop. */
volatile unsigned long plugin_sink;

__attribute__((noinline)) unsigned long plugin_work(int n)
{
	for (int i = 0; i < n; i++)
		plugin_sink += (unsigned long)i * 7;
	return plugin_sink;
}
