#!/usr/bin/env bash
# The handshake and the report, with a stand-in libcprof.so that says hello and writes a
# small CPU profile (protobuf by hand: 200 samples, 2 s of CPU over 2.5 s). cprofrun
# reads the profile back and prints one line per profile as the user named it, -top's
# table, and one line for a library that never started or a profile that never came.
. tests/lib.sh
need gcc

cat >"$T/fake.c" <<'C'
/* A stand-in libcprof.so. FAKE_NOHELLO, FAKE_NOPROFILE, FAKE_GARBAGE, FAKE_VERSION and
 * FAKE_EXTRA (raw text sent before the profile line) steer it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct buf { unsigned char b[2048]; size_t n; };

static void varint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) { b->b[b->n++] = (unsigned char)(v | 0x80); v >>= 7; }
	b->b[b->n++] = (unsigned char)v;
}
static void num(struct buf *b, int field, uint64_t v) { varint(b, (uint64_t)field << 3); varint(b, v); }
static void bytes(struct buf *b, int field, const void *p, size_t n)
{
	varint(b, (uint64_t)field << 3 | 2); varint(b, n); memcpy(b->b + b->n, p, n); b->n += n;
}
static void msg(struct buf *b, int field, const struct buf *m) { bytes(b, field, m->b, m->n); }

static void send_line(const char *line)
{
	const char *fd = getenv("CPROF_HANDSHAKE_FD");
	if (fd && write(atoi(fd), line, strlen(line)) < 0)
		perror("fake: handshake");
}

static int ours(void)
{
	const char *pid = getenv("CPROF_PID");
	return pid && atol(pid) == (long)getpid();
}

/* profile.proto: sample types samples/count and cpu/nanoseconds; samples [1 2] = 150,
 * 1.5 s and [2] = 50, 0.5 s; functions hot_fake (location 1) and main (location 2). */
static void write_profile(const char *path)
{
	static const char *const strs[] = { "", "samples", "count", "cpu", "nanoseconds",
		"hot_fake", "main", "fake.c", "/fake/bin" };
	struct buf p = { .n = 0 }, m, v;
	FILE *f;

	for (int i = 1; i <= 3; i += 2) {
		m.n = 0; num(&m, 1, (uint64_t)i); num(&m, 2, (uint64_t)i + 1); msg(&p, 1, &m);
	}
	m.n = 0; v.n = 0; varint(&v, 1); varint(&v, 2); bytes(&m, 1, v.b, v.n);
	v.n = 0; varint(&v, 150); varint(&v, 1500000000); bytes(&m, 2, v.b, v.n); msg(&p, 2, &m);
	m.n = 0; v.n = 0; varint(&v, 2); bytes(&m, 1, v.b, v.n);
	v.n = 0; varint(&v, 50); varint(&v, 500000000); bytes(&m, 2, v.b, v.n); msg(&p, 2, &m);
	m.n = 0; num(&m, 1, 1); num(&m, 2, 0x400000); num(&m, 3, 0x500000); num(&m, 5, 8); msg(&p, 3, &m);
	for (uint64_t i = 1; i <= 2; i++) {
		v.n = 0; num(&v, 1, i); num(&v, 2, 10 * i);
		m.n = 0; num(&m, 1, i); num(&m, 2, 1); num(&m, 3, 0x400000 + 0x100 * i); msg(&m, 4, &v);
		msg(&p, 4, &m);
		m.n = 0; num(&m, 1, i); num(&m, 2, 4 + i); num(&m, 3, 4 + i); num(&m, 4, 7); msg(&p, 5, &m);
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		bytes(&p, 6, strs[i], strlen(strs[i]));
	num(&p, 9, 1700000000000000000ull);
	num(&p, 10, 2500000000ull);
	m.n = 0; num(&m, 1, 3); num(&m, 2, 4); msg(&p, 11, &m);
	num(&p, 12, 10000000);
	f = fopen(path, "w");
	if (!f)
		return;
	if (getenv("FAKE_GARBAGE"))
		fputs("this is not a profile", f);
	else
		fwrite(p.b, 1, p.n, f);
	fclose(f);
}

static void __attribute__((constructor)) fake_init(void)
{
	char line[128];

	if (!ours() || getenv("FAKE_NOHELLO"))
		return;
	snprintf(line, sizeof(line), "hello %ld %s\n", (long)getpid(),
		 getenv("FAKE_VERSION") ? getenv("FAKE_VERSION") : "0.1.0");
	send_line(line);
}

static void __attribute__((destructor)) fake_fini(void)
{
	const char *cpu = getenv("CPROF_CPU"), *extra = getenv("FAKE_EXTRA");
	char line[4200];

	if (!ours())
		return;
	if (extra)
		send_line(extra);
	if (cpu && !getenv("FAKE_NOPROFILE")) {
		write_profile(cpu);
		snprintf(line, sizeof(line), "profile cpu %s\n", cpu);
		send_line(line);
	}
}
C
gcc -shared -fPIC -O2 -Wall -o "$T/libcprof.so" "$T/fake.c" || broken "cannot build the fake library"
export CPROF_LIB=$T/libcprof.so
unset CPROF_CPU
T=$(cd "$T" && pwd -P)

# lines NAME FILE WANT...: FILE holds exactly the lines WANT.
lines() {
	local name=$1 file=$2
	shift 2
	if [ "$(cat "$file")" = "$(printf '%s\n' "$@")" ]; then ok "$name"; else
		bad "$name: got '$(head -5 "$file")', want '$*'"; fi
}

summary='(200 samples, 2.00s CPU over 2.50s)'
cd "$T" || broken "cd"

run_cprof "$T/ok" -cpu=out.prof false
expect_status "a profile written" 1
lines "the summary names the file as given" "$T/ok.err" "cprofrun: cpu profile: out.prof $summary"
check "the profile is there" test -s "$T/out.prof"
cp "$T/out.prof" "$T/out.prof.1"

mkdir sub
run_cprof "$T/top" -cpu=./sub/../out.prof -top true
expect_status "-top" 0
check "-top: the summary line first" test "$(head -1 "$T/top.err")" = "cprofrun: cpu profile: ./sub/../out.prof $summary"
check "-top: hot_fake is listed" grep -q 'hot_fake' "$T/top.err"
check "-top: main is listed" grep -q ' main$' "$T/top.err"
check "-top: hot_fake comes before main" \
	test "$(grep -nE 'hot_fake$| main$' "$T/top.err" | head -1 | grep -c hot_fake)" -eq 1

FAKE_NOHELLO=1 FAKE_NOPROFILE=1 run_cprof "$T/nohello" -cpu=out.prof false
expect_status "no hello: the program's status" 1
lines "no hello: one line" "$T/nohello.err" "cprofrun: libcprof.so did not initialise in 'false'; no profile was written"
FAKE_NOPROFILE=1 run_cprof "$T/noprof" -cpu=out.prof true
expect_status "hello, no profile" 0
lines "hello, no profile: one line" "$T/noprof.err" "cprofrun: no cpu profile was written to 'out.prof'"
FAKE_GARBAGE=1 run_cprof "$T/garbage" -cpu=out.prof true
expect_status "an unreadable profile" 0
check "an unreadable profile: one line" test "$(wc -l <"$T/garbage.err")" -eq 1
check "an unreadable profile: the line" grep -q "^cprofrun: cpu profile 'out.prof' is unreadable: ." "$T/garbage.err"
FAKE_NOHELLO=1 FAKE_NOPROFILE=1 run_cprof "$T/silent" true
expect_status "no profile asked for" 0
check "no profile asked for: cprofrun says nothing" test ! -s "$T/silent.err"

long=$(printf 'x%.0s' $(seq 5000))
printf -v extra 'bogus line\nprofile\n%s\nprofile heap %s\nhello 1 2.0\n' "$long" "$T/out.prof.1"
FAKE_VERSION=9.9 FAKE_EXTRA=$extra run_cprof "$T/extra" -cpu=out.prof true
expect_status "extra handshake lines" 0
lines "unknown lines ignored, a snapshot named after the given path, a version warning" "$T/extra.err" \
	"cprofrun: libcprof.so is version 9.9, cprofrun is version 0.1.0" \
	"cprofrun: heap profile: out.prof.1 $summary" \
	"cprofrun: cpu profile: out.prof $summary"

CPROF_CPU=$T/env.prof run_cprof "$T/env" true
expect_status "CPROF_CPU from the environment" 0
lines "a profile nobody asked for is reported as written" "$T/env.err" "cprofrun: cpu profile: $T/env.prof $summary"

# A descendant keeps the handshake socket open: cprofrun must not wait for it.
timeout 60 "$CPROFRUN" -cpu=out.prof sh -c 'sleep 100 & echo $! >"$0/sleeper"' "$T" >"$T/desc.out" 2>"$T/desc.err"
status=$?
expect_status "a descendant holds the socket open" 0
check "a descendant holds the socket open: the hello was read" \
	test "$(cat "$T/desc.err")" = "cprofrun: no cpu profile was written to 'out.prof'"
[ -s "$T/sleeper" ] && kill "$(cat "$T/sleeper")" 2>/dev/null
cd "$ROOT" || broken "cd"
finish
