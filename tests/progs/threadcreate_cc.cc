// threadcreate_cc: C++ threads: 4 std::thread objects made in threadcreate_cxx, joined.
// libstdc++ creates them through pthread_create, which the threadcreate profile counts at
// the std::thread constructor's call site. Prints "created 4".
#include <cstdio>
#include <thread>
#include <vector>

static __attribute__((noinline)) int threadcreate_cxx()
{
	std::vector<std::thread> v;

	for (int i = 0; i < 4; i++)
		v.emplace_back([] {});
	for (auto &t : v)
		t.join();
	return (int)v.size();
}

int main()
{
	std::printf("created %d\n", threadcreate_cxx());
	return 0;
}
