/*
 * pdump: the project's decoder (encoder/decode.c) as a command, for tests and humans:
 * pdump [-raw] FILE | pdump -top [-n N] [-sample_index=NAME|N] FILE | pdump -check FILE.
 * FILE is gzipped or raw profile.proto. Exit status: 0 ok, 1 invalid profile (stderr:
 * "pdump: FILE: <reason>" in pprof's words), 2 usage error. -top prints as go tool pprof
 * -top -nodefraction=0 does. The -raw format (decode_print) is described below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

/*
 * -raw output, one item per line; fields are separated by single blanks, sections of a
 * sample line by " | ", frames by ";". Empty values leave "key:" alone (no blank after).
 *   period_type: TYPE/UNIT
 *   period: N
 *   time_nanos: N
 *   duration_nanos: N
 *   default_sample_type: TYPE
 *   drop_frames: REGEX
 *   keep_frames: REGEX
 *   doc_url: URL
 *   comment: TEXT                                       (one line per comment)
 *   sample_types: TYPE/UNIT TYPE/UNIT[dflt]             ([dflt]: decode_default_index)
 *   samples: COUNT
 *   sample: V1 V2 | labels K=V K=123UNIT | frames F1;F2;F3
 *   locations: COUNT
 *   location: ID 0xADDR M=MAPPING_ID [folded] | F1;F2   (its lines, innermost first)
 *   functions: COUNT
 *   function: ID name=N system_name=S file=F start_line=L
 *   mappings: COUNT
 *   mapping: ID 0xSTART/0xLIMIT/0xOFFSET file=F build_id=B flags=[FN][FL][LN][IN]
 * A frame F is "FUNC FILE:LINE" ("FUNC FILE" without a line, "FUNC" without a file, a
 * ":COLUMN" suffix when set), leaf first; inlined lines of one location end in " (inline)".
 * A location without lines prints as "0xADDR", plus " [MAPPING_BASENAME]" when mapped.
 * A numeric label prints its unit right after the number ("bytes=4096bytes", "n=7").
 * Labels come in the file's order; the encoder writes them sorted by string index.
 * Values are not escaped: a label value or name containing " | " or ";" reads ambiguously.
 */

enum pdump_mode { PDUMP_RAW, PDUMP_TOP, PDUMP_CHECK };

static int usage(void)
{
	fprintf(stderr, "usage: pdump [-raw] FILE\n"
			"       pdump -top [-n N] [-sample_index=NAME|N] FILE\n"
			"       pdump -check FILE\n");
	return 2;
}

/* Parses a non-negative decimal count. 0 or -EINVAL. */
static int parse_count(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	enum pdump_mode mode = PDUMP_RAW;
	const char *file = NULL, *sample_index = NULL;
	struct dprofile *p;
	char err[512];
	size_t n = 0, index;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-raw") == 0) {
			mode = PDUMP_RAW;
		} else if (strcmp(a, "-top") == 0) {
			mode = PDUMP_TOP;
		} else if (strcmp(a, "-check") == 0) {
			mode = PDUMP_CHECK;
		} else if (strcmp(a, "-n") == 0) {
			if (++i >= argc || parse_count(argv[i], &n))
				return usage();
		} else if (strncmp(a, "-sample_index=", 14) == 0) {
			sample_index = a + 14;
		} else if (strcmp(a, "-sample_index") == 0) {
			if (++i >= argc)
				return usage();
			sample_index = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return usage();
		} else if (!file) {
			file = a;
		} else {
			return usage();
		}
	}
	if (!file)
		return usage();

	rc = decode_file(file, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "pdump: %s: %s\n", file, err);
		return 1;
	}
	switch (mode) {
	case PDUMP_CHECK:
		rc = 0;
		break;
	case PDUMP_RAW:
		rc = decode_print(stdout, p);
		break;
	case PDUMP_TOP:
		index = decode_default_index(p);
		if (sample_index && decode_sample_index(p, sample_index, &index)) {
			fprintf(stderr, "pdump: %s: no sample type '%s'\n", file, sample_index);
			rc = -EINVAL;
			break;
		}
		if (p->n_sample_types == 0) {
			fprintf(stderr, "pdump: %s: profile has no samples\n", file);
			rc = -EINVAL;
			break;
		}
		rc = decode_top(stdout, p, index, n);
		break;
	}
	if (rc == -EIO)
		fprintf(stderr, "pdump: cannot write output: %s\n", strerror(EIO));
	decode_free(p);
	return rc ? 1 : 0;
}
