/*
 * count_text_test: unit test of encoder/count_text.c, the debug=1 text of count profiles
 * the /debug/pprof/ server writes until encoder/legacy.c lands. A profile with stacks
 * that repeat under different labels, a tie in counts, an inlined frame, an unnamed
 * address and a frame without an address is written and compared with Go's layout
 * (runtime/pprof's printCountProfile) line by line.
 * Prints "ok - NAME" or "not ok - NAME: DETAIL"; exits 1 if any check failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count_text.h"
#include "decode.h"
#include "profile.h"

static int failed;

int main(void)
{
	struct profile *p = profile_new();
	struct profile_mapping m = { 0x400000, 0x500000, 0, "/bin/app", "", false, false, false, false };
	uint64_t mid, fa, fb, fc, fl, la, lb, lc, lx, lost, ids[3];
	struct profile_line inl[2], one;
	struct profile_label worker = { "thread", "worker", 0, NULL }, other = { "thread", "other", 0, NULL };
	struct dprofile *d = NULL;
	uint8_t *buf;
	size_t len, n = 0;
	char *text = NULL;
	FILE *f;
	static const char want[] =
		"things profile: total 10\n"
		"4 @ 0x401101 0x402201\n"
		"#\t0x401100\tleaf\tx.c:10\n"
		"#\t0x402200\tmain\tx.c:20\n"
		"\n"
		"3 @ 0x403301 0x402201\n"
		"#\t0x403300\tinlined\tx.c:31\n"
		"#\t0x403300\touter\tx.c:30\n"
		"#\t0x402200\tmain\tx.c:20\n"
		"\n"
		"3 @ 0x404401\n"
		"#\t0x404400\n"
		"\n";

	profile_add_sample_type(p, "things", "count");
	profile_set_period(p, "things", "count", 1);
	mid = profile_add_mapping(p, &m);
	fa = profile_add_function(p, "leaf", "leaf", "x.c", 0);
	fb = profile_add_function(p, "main", "main", "x.c", 0);
	fc = profile_add_function(p, "inlined", "inlined", "x.c", 0);
	fl = profile_add_function(p, "outer", "outer", "x.c", 0);
	one = (struct profile_line){ fa, 10, 0 };
	la = profile_add_location(p, mid, 0x401100, &one, 1);
	one = (struct profile_line){ fb, 20, 0 };
	lb = profile_add_location(p, mid, 0x402200, &one, 1);
	inl[0] = (struct profile_line){ fc, 31, 0 };
	inl[1] = (struct profile_line){ fl, 30, 0 };
	lc = profile_add_location(p, mid, 0x403300, inl, 2);
	lx = profile_add_location(p, mid, 0x404400, NULL, 0);
	one = (struct profile_line){ profile_add_function(p, "[lost samples]", "", "", 0), 0, 0 };
	lost = profile_add_location(p, 0, 0, &one, 1);
	/* leaf;main under two labels: counted together (3 + 1). */
	ids[0] = la, ids[1] = lb;
	profile_add_sample(p, ids, 2, (int64_t[]){ 3 }, &worker, 1);
	profile_add_sample(p, ids, 2, (int64_t[]){ 1 }, &other, 1);
	ids[0] = lc;
	profile_add_sample(p, ids, 2, (int64_t[]){ 3 }, NULL, 0);
	ids[0] = lx;
	profile_add_sample(p, ids, 1, (int64_t[]){ 3 }, NULL, 0);
	/* A frame without an address: counted in the total, not written. */
	ids[0] = lost;
	profile_add_sample(p, ids, 1, (int64_t[]){ 0 }, NULL, 0);
	if (profile_serialize(p, &buf, &len) || decode_profile(buf, len, &d, NULL, 0)) {
		printf("not ok - build: cannot build the profile\n");
		return 1;
	}
	f = open_memstream(&text, &n);
	if (!f || count_text_write(f, d, "things") != 0) {
		printf("not ok - write: count_text_write failed\n");
		return 1;
	}
	fclose(f);
	if (strcmp(text, want)) {
		printf("not ok - text: got\n%s\n--- want\n%s", text, want);
		failed++;
	} else {
		printf("ok - text in Go's count layout, ties by address list, labels merged\n");
	}
	free(text);
	free(buf);
	decode_free(d);
	profile_free(p);
	return failed ? 1 : 0;
}
