/*
 * count_text.c: Go's printCountProfile (runtime/pprof, debug=1) over a decoded profile
 * (count_text.h). Samples with the same stack are counted together whatever their
 * labels, sorted by count and then by their "@ 0x.." key, as Go sorts them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "count_text.h"
#include "decode.h"

struct rec {
	char *key;		/* "@ 0x.. 0x.." */
	int64_t count;
	const struct dsample *s;	/* the first sample with this stack */
};

static int by_key(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	/* Equal stacks stay in sample order, so the first sample is the one shown. */
	if (c)
		return c;
	return x->s < y->s ? -1 : x->s > y->s;
}

static int by_count(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* "@ 0x.. 0x..": the return addresses of the sample's frames that have one. */
static char *stack_key(const struct dprofile *p, const struct dsample *s)
{
	char *key = malloc(2 + 19 * s->n_locations + 1), *k = key;

	if (!key)
		return NULL;
	k += sprintf(k, "@");
	for (size_t i = 0; i < s->n_locations; i++) {
		const struct dlocation *l = decode_location(p, s->location_ids[i]);

		if (l && l->address)
			k += sprintf(k, " %#" PRIx64, l->address + 1);
	}
	return key;
}

static void frames(FILE *f, const struct dprofile *p, const struct dsample *s)
{
	for (size_t i = 0; i < s->n_locations; i++) {
		const struct dlocation *l = decode_location(p, s->location_ids[i]);

		if (!l || !l->address)
			continue;
		if (!l->n_lines)
			fprintf(f, "#\t%#" PRIx64 "\n", l->address);
		for (size_t j = 0; j < l->n_lines; j++) {
			const struct dfunction *fn = decode_function(p, l->lines[j].function_id);

			fprintf(f, "#\t%#" PRIx64 "\t%s\t%s:%" PRId64 "\n", l->address,
				fn ? fn->name : "?", fn ? fn->filename : "", l->lines[j].line);
		}
	}
	fputc('\n', f);
}

int count_text_write(FILE *f, const struct dprofile *p, const char *name)
{
	struct rec *r = calloc(p->n_samples + 1, sizeof(*r));
	size_t n = 0, kept = 0;
	int64_t total = 0;
	int rc = 0;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct dsample *s = &p->samples[i];
		int64_t v = p->n_sample_types ? s->values[0] : 0;
		char *key;

		total += v;
		key = stack_key(p, s);
		if (!key) {
			rc = -ENOMEM;
			goto out;
		}
		if (!strcmp(key, "@")) {
			free(key);
			continue;
		}
		r[n].key = key;
		r[n].count = v;
		r[n].s = s;
		n++;
	}
	qsort(r, n, sizeof(*r), by_key);
	for (size_t i = 0; i < n; i++) {
		if (kept && !strcmp(r[kept - 1].key, r[i].key)) {
			r[kept - 1].count += r[i].count;
			free(r[i].key);
		} else {
			r[kept++] = r[i];
		}
	}
	n = kept;
	qsort(r, n, sizeof(*r), by_count);
	fprintf(f, "%s profile: total %" PRId64 "\n", name, total);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%" PRId64 " %s\n", r[i].count, r[i].key);
		frames(f, p, r[i].s);
	}
	if (ferror(f))
		rc = -EIO;
out:
	for (size_t i = 0; i < n; i++)
		free(r[i].key);
	free(r);
	return rc;
}
