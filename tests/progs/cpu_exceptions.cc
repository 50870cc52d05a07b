// cpu_exceptions: throws and catches C++ exceptions in a loop (the unwinder of libgcc
// runs constantly) while cprof samples at a high rate; must not crash or hang.
// Prints "caught N". Usage: cpu_exceptions [ms]  (default 1500)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

static volatile unsigned long sink;

__attribute__((noinline)) static void exceptions_thrower(int depth)
{
	if (depth == 0)
		throw std::runtime_error("deep " + std::to_string(sink));
	sink = sink + 1;
	exceptions_thrower(depth - 1);
	sink = sink + 1;
}

__attribute__((noinline)) static long exceptions_loop(long ms)
{
	long caught = 0;
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);

	while (std::chrono::steady_clock::now() < end) {
		try {
			exceptions_thrower(20);
		} catch (const std::exception &e) {
			caught++;
		}
	}
	return caught;
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 1500;
	std::vector<std::thread> th;
	long caught[2] = {0, 0};

	for (int i = 0; i < 2; i++)
		th.emplace_back([&, i] { caught[i] = exceptions_loop(ms); });
	for (auto &t : th)
		t.join();
	std::printf("caught %ld\n", caught[0] + caught[1]);
	return 0;
}
