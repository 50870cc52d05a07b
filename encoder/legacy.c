/*
 * legacy.c: Go's text profile formats (legacy.h), from the builder's own arrays
 * (profile_impl.h). Text is assembled in a growing buffer and, for the debug=1 forms,
 * aligned at the end as Go's text/tabwriter aligns it (minwidth 1, tabwidth 8, padding
 * 1, tab padding), so the output matches Go's byte for byte where the data does.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "legacy.h"
#include "profile_impl.h"

/* --- a growing string ----------------------------------------------------------------- */

struct sb {
	char *s;
	size_t n, cap;
	bool failed;
};

static void sb_reserve(struct sb *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	char *s;

	if (b->failed || b->n + more + 1 <= b->cap)
		return;
	while (cap < b->n + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->failed = true;
		return;
	}
	b->s = s;
	b->cap = cap;
}

static void sb_add(struct sb *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->failed)
		return;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	sb_reserve(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

/* Hands the text to the caller: 0, or -ENOMEM (the buffer is freed). */
static int sb_finish(struct sb *b, char **out, size_t *len)
{
	sb_reserve(b, 0);
	if (!b->failed)
		b->s[b->n] = '\0';
	if (b->failed) {
		free(b->s);
		return -ENOMEM;
	}
	*out = b->s;
	*len = b->n;
	return 0;
}

/* Go's strconv.Quote for the bytes of s (non-ASCII bytes are kept as they are). */
static void sb_quote(struct sb *b, const char *s)
{
	sb_add(b, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		static const char esc[] = "\a\b\f\n\r\t\v";
		static const char name[] = "abfnrtv";
		const char *e = *c ? strchr(esc, *c) : NULL;

		if (*c == '"' || *c == '\\')
			sb_printf(b, "\\%c", *c);
		else if (e)
			sb_printf(b, "\\%c", name[e - esc]);
		else if (*c < 0x20 || *c == 0x7f)
			sb_printf(b, "\\x%02x", *c);
		else
			sb_add(b, (const char *)c, 1);
	}
	sb_add(b, "\"", 1);
}

/* --- Go's text/tabwriter, for the configuration runtime/pprof uses -------------------- */

#define TW_MINWIDTH 1
#define TW_TABWIDTH 8
#define TW_PADDING 1

struct tw_line {
	const char *start;	/* the line's text (without its newline) */
	size_t len;
	size_t n_cells;		/* tab-terminated cells plus the last, unterminated one */
};

struct tw {
	struct tw_line *lines;
	size_t n_lines;
	size_t widths[64];
	size_t n_widths;
	struct sb *out;
};

/* Width of cell j of a line: runes, as Go counts them (UTF-8 continuation bytes are not). */
static size_t tw_cell(const struct tw_line *l, size_t j, const char **text, size_t *bytes)
{
	const char *s = l->start, *end = l->start + l->len, *t;
	size_t w = 0;

	for (size_t k = 0; k < j; k++) {
		t = memchr(s, '\t', (size_t)(end - s));
		s = t ? t + 1 : end;
	}
	t = memchr(s, '\t', (size_t)(end - s));
	*text = s;
	*bytes = (size_t)((t ? t : end) - s);
	for (size_t k = 0; k < *bytes; k++)
		w += ((unsigned char)s[k] & 0xc0) != 0x80;
	return w;
}

static void tw_pad(struct tw *t, size_t textw, size_t cellw)
{
	size_t n;

	cellw = (cellw + TW_TABWIDTH - 1) / TW_TABWIDTH * TW_TABWIDTH;
	n = cellw > textw ? cellw - textw : 0;
	for (n = (n + TW_TABWIDTH - 1) / TW_TABWIDTH; n > 0; n--)
		sb_add(t->out, "\t", 1);
}

static void tw_write_lines(struct tw *t, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		const struct tw_line *l = &t->lines[i];

		for (size_t j = 0; j < l->n_cells; j++) {
			const char *text;
			size_t bytes, w = tw_cell(l, j, &text, &bytes);

			sb_add(t->out, text, bytes);
			if (j + 1 < l->n_cells && j < t->n_widths)
				tw_pad(t, w, t->widths[j]);
			else if (j + 1 < l->n_cells)
				sb_add(t->out, "\t", 1);
		}
		sb_add(t->out, "\n", 1);
	}
}

/* Go's Writer.format: column blocks of consecutive lines, widest cell plus padding. */
static void tw_format(struct tw *t, size_t line0, size_t line1)
{
	size_t column = t->n_widths;

	for (size_t this = line0; this < line1; this++) {
		size_t width = TW_MINWIDTH;

		if (column + 1 >= t->lines[this].n_cells)
			continue;
		tw_write_lines(t, line0, this);
		line0 = this;
		for (; this < line1 && column + 1 < t->lines[this].n_cells; this++) {
			const char *text;
			size_t bytes, w = tw_cell(&t->lines[this], column, &text, &bytes) + TW_PADDING;

			if (w > width)
				width = w;
		}
		if (t->n_widths == sizeof(t->widths) / sizeof(t->widths[0]))
			break;
		t->widths[t->n_widths++] = width;
		tw_format(t, line0, this);
		t->n_widths--;
		line0 = this;
	}
	tw_write_lines(t, line0, line1);
}

/* Replaces the text in b (lines ending in '\n', cells ending in '\t') by its aligned form. */
static void tw_align(struct sb *b)
{
	struct sb out = { 0 };
	struct tw t = { .out = &out };
	size_t cap = 0;

	if (b->failed || !b->n)
		return;
	for (const char *s = b->s, *end = b->s + b->n; s < end; ) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		struct tw_line *l;

		if (t.n_lines == cap) {
			cap = cap ? 2 * cap : 256;
			l = realloc(t.lines, cap * sizeof(*l));
			if (!l) {
				free(t.lines);
				b->failed = true;
				return;
			}
			t.lines = l;
		}
		l = &t.lines[t.n_lines++];
		l->start = s;
		l->len = (size_t)((nl ? nl : end) - s);
		l->n_cells = 1;
		for (size_t k = 0; k < l->len; k++)
			l->n_cells += s[k] == '\t';
		s = nl ? nl + 1 : end;
	}
	tw_format(&t, 0, t.n_lines);
	free(t.lines);
	if (out.failed) {
		free(out.s);
		b->failed = true;
		return;
	}
	free(b->s);
	*b = out;
}

/* --- what every text form shares -------------------------------------------------------- */

static const struct profile_loc *loc_of(const struct profile *p, uint64_t id)
{
	return &p->locations[id - 1];
}

static const uint64_t *sample_locs(const struct profile *p, const struct profile_smp *s)
{
	return &p->sample_locs[s->loc_off];
}

/* " 0x<ret> 0x<ret> ...": return addresses, which pprof turns back into call sites. */
static void sb_addresses(struct sb *b, const struct profile *p, const struct profile_smp *s)
{
	for (size_t i = 0; i < s->n_locs; i++)
		sb_printf(b, " %#llx",
			  (unsigned long long)(loc_of(p, sample_locs(p, s)[i])->address + 1));
}

static const char *mapping_file(const struct profile *p, const struct profile_loc *l)
{
	if (l->mapping_id && l->mapping_id <= p->n_mappings)
		return profile_str(p, p->mappings[l->mapping_id - 1].filename_str);
	return "";
}

/* Go's printStackRecord: "#\t0x<pc>\t<func>+0x<off>\t<file>:<line>" per frame, then "\n". */
static void sb_frames(struct sb *b, const struct profile *p, const struct profile_smp *s)
{
	for (size_t i = 0; i < s->n_locs; i++) {
		const struct profile_loc *l = loc_of(p, sample_locs(p, s)[i]);
		unsigned long long pc = (unsigned long long)l->address;

		if (!l->n_lines)
			sb_printf(b, "#\t%#llx\n", pc);
		for (size_t k = 0; k < l->n_lines; k++) {
			const struct profile_line *ln = &p->lines[l->line_off + k];
			const struct profile_func *f = &p->functions[ln->function_id - 1];
			const char *file = profile_str(p, f->filename_str);

			sb_printf(b, "#\t%#llx\t%s", pc, profile_str(p, f->name_str));
			if (l->has_sym_offset)
				sb_printf(b, "+%#llx", (unsigned long long)l->sym_offset);
			if (*file)
				sb_printf(b, "\t%s:%lld\n", file, (long long)ln->line);
			else
				sb_printf(b, "\t%s\n", mapping_file(p, l));
		}
	}
	sb_add(b, "\n", 1);
}

/* The string labels of s as Go prints a label map: {"k":"v", ...}, sorted; "" if none. */
static void sb_labels(struct sb *b, const struct profile *p, const struct profile_smp *s,
		      const char *const *skip)
{
	struct sb parts[64];
	size_t n = 0;

	for (size_t i = 0; i < s->n_labels && n < sizeof(parts) / sizeof(parts[0]); i++) {
		const struct profile_lbl *l = &p->labels[s->label_off + i];
		const char *key = profile_str(p, l->key_str);
		bool skipped = false;

		if (!l->str_str)
			continue;
		for (size_t k = 0; skip && skip[k]; k++)
			skipped |= !strcmp(skip[k], key);
		if (skipped)
			continue;
		memset(&parts[n], 0, sizeof(parts[n]));
		sb_quote(&parts[n], key);
		sb_add(&parts[n], ":", 1);
		sb_quote(&parts[n], profile_str(p, l->str_str));
		b->failed |= parts[n].failed;
		n++;
	}
	/* Go sorts the formatted "k":"v" strings. */
	for (size_t i = 1; i < n && !b->failed; i++)
		for (size_t j = i; j > 0 && strcmp(parts[j - 1].s, parts[j].s) > 0; j--) {
			struct sb tmp = parts[j];

			parts[j] = parts[j - 1];
			parts[j - 1] = tmp;
		}
	if (n)
		sb_add(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_add(b, ", ", 2);
		if (parts[i].s)
			sb_puts(b, parts[i].s);
		free(parts[i].s);
	}
	if (n)
		sb_add(b, "}", 1);
}

static ssize_t type_index(const struct profile *p, const char *type, const char *unit)
{
	for (size_t i = 0; i < p->n_sample_types; i++)
		if (!strcmp(profile_str(p, p->sample_types[i].type_str), type) &&
		    (!unit || !strcmp(profile_str(p, p->sample_types[i].unit_str), unit)))
			return (ssize_t)i;
	return -1;
}

static int64_t value(const struct profile *p, size_t sample, ssize_t type)
{
	return p->sample_values[sample * p->n_sample_types + (size_t)type];
}

/* --- count profiles ---------------------------------------------------------------------- */

struct rec {
	char *key;		/* "@ 0x... [\n# labels: {...}]" */
	size_t sample;		/* the first sample with that key */
	int64_t count;
};

static int rec_by_count(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

int legacy_count_text(const struct profile *p, char **out, size_t *len)
{
	struct rec *recs;
	size_t n = 0;
	int64_t total = 0;
	struct sb b = { 0 };

	if (!p->n_sample_types)
		return -EINVAL;
	recs = calloc(p->n_samples + 1, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_smp *s = &p->samples[i];
		struct sb k = { 0 };
		size_t j;

		sb_add(&k, "@", 1);
		sb_addresses(&k, p, s);
		sb_puts(&k, "\n# labels: ");
		sb_labels(&k, p, s, NULL);
		if (!k.failed && k.s[k.n - 1] == ' ') {
			k.n -= strlen("\n# labels: ");
			k.s[k.n] = '\0';
		}
		total += value(p, i, 0);
		if (k.failed) {
			b.failed = true;
			free(k.s);
			break;
		}
		/* Samples that differ only in numeric labels (the tids) print alike: merge them. */
		for (j = 0; j < n && strcmp(recs[j].key, k.s); j++)
			;
		if (j == n) {
			recs[n].key = k.s;
			recs[n].sample = i;
			n++;
		} else {
			free(k.s);
		}
		recs[j].count += value(p, i, 0);
	}
	qsort(recs, n, sizeof(*recs), rec_by_count);
	sb_printf(&b, "%s profile: total %lld\n", profile_str(p, p->sample_types[0].type_str),
		  (long long)total);
	for (size_t i = 0; i < n; i++) {
		sb_printf(&b, "%lld %s\n", (long long)recs[i].count, recs[i].key);
		sb_frames(&b, p, &p->samples[recs[i].sample]);
	}
	for (size_t i = 0; i < n; i++)
		free(recs[i].key);
	free(recs);
	tw_align(&b);
	return sb_finish(&b, out, len);
}

/* --- heap ---------------------------------------------------------------------------------- */

/* Go's scale for blocks of average size avg: 1/(1-exp(-avg/rate)). */
static double heap_scale(double avg, int64_t rate)
{
	return 1 / (1 - exp(-avg / (double)rate));
}

/* Whether Go's scaleHeapSample turns (count, size) into (c, s). */
static bool scales_to(int64_t count, int64_t size, int64_t rate, int64_t c, int64_t s)
{
	double scale;

	if (count <= 0 || size <= 0)
		return false;
	scale = heap_scale((double)size / (double)count, rate);
	return (int64_t)((double)count * scale) == c && (int64_t)((double)size * scale) == s;
}

/*
 * Undoes Go's scaleHeapSample for one (count, size) pair. The scale depends on the raw
 * average, which the scaled values only approximate: start from the "bytes" label (Go's
 * allocBytes/allocObjects) or the scaled ratio, iterate raw = scaled/scale(raw average)
 * to its fixed point, and take the nearby pair that scales back exactly.
 */
static void unscale(int64_t *count, int64_t *size, int64_t label, int64_t rate)
{
	double avg = label > 0 ? (double)label : (double)*size / (double)*count;
	int64_t rc = *count, rb = *size;

	if (*count <= 0 || *size <= 0 || rate <= 1)
		return;
	for (int i = 0; i < 64; i++) {
		double scale = heap_scale(avg, rate);
		int64_t c = llround((double)*count / scale), b = llround((double)*size / scale);

		if (c < 1)
			c = 1;
		if (b < c)
			b = c;
		if (c == rc && b == rb && i > 0)
			break;
		rc = c;
		rb = b;
		avg = (double)rb / (double)rc;
	}
	/*
	 * Near the fixed point, find for each count the sizes that scale back to *size (the
	 * scaled size grows with the raw size: a binary search), and keep a pair that also
	 * gives *count, preferring one whose average agrees with the label, as Go's did.
	 */
	for (int pass = label > 0 ? 0 : 1; pass < 2; pass++) {
		for (int64_t c = rc > 2 ? rc - 2 : 1; c <= rc + 2; c++) {
			int64_t lo = 1, hi = *size;

			while (lo < hi) {
				int64_t mid = lo + (hi - lo) / 2;
				double scaled = (double)mid * heap_scale((double)mid / (double)c, rate);

				if ((int64_t)scaled < *size)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (int64_t b = lo; b < lo + 3; b++) {
				if (pass == 0 && b / c != label)
					continue;
				if (!scales_to(c, b, rate, *count, *size))
					continue;
				*count = c;
				*size = b;
				return;
			}
		}
	}
	*count = rc;
	*size = rb;
}

struct heap_rec {
	size_t sample;
	int64_t v[4];		/* inuse objects, inuse bytes, alloc objects, alloc bytes */
};

static int heap_by_inuse(const void *a, const void *b)
{
	const struct heap_rec *x = a, *y = b;

	if (x->v[1] != y->v[1])
		return x->v[1] > y->v[1] ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

int legacy_heap_text(const struct profile *p, char **out, size_t *len)
{
	ssize_t ao = type_index(p, "alloc_objects", "count");
	ssize_t as = type_index(p, "alloc_space", "bytes");
	ssize_t io = type_index(p, "inuse_objects", "count");
	ssize_t is = type_index(p, "inuse_space", "bytes");
	struct heap_rec *r;
	int64_t total[4] = { 0 };
	struct sb b = { 0 };

	if (ao < 0 || as < 0 || io < 0 || is < 0)
		return -EINVAL;
	r = calloc(p->n_samples + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_smp *s = &p->samples[i];
		int64_t avg = 0;

		for (size_t k = 0; k < s->n_labels; k++) {
			const struct profile_lbl *l = &p->labels[s->label_off + k];

			if (!l->str_str && !strcmp(profile_str(p, l->key_str), "bytes"))
				avg = l->num;
		}
		r[i].sample = i;
		r[i].v[0] = value(p, i, io);
		r[i].v[1] = value(p, i, is);
		r[i].v[2] = value(p, i, ao);
		r[i].v[3] = value(p, i, as);
		unscale(&r[i].v[0], &r[i].v[1], avg, p->period);
		unscale(&r[i].v[2], &r[i].v[3], avg, p->period);
		for (int k = 0; k < 4; k++)
			total[k] += r[i].v[k];
	}
	qsort(r, p->n_samples, sizeof(*r), heap_by_inuse);
	/* pprof reads equal in-use and alloc totals as a two-column profile. */
	if (total[0] == total[2] && total[1] == total[3])
		total[3]++;
	sb_printf(&b, "heap profile: %lld: %lld [%lld: %lld] @ heap/%lld\n", (long long)total[0],
		  (long long)total[1], (long long)total[2], (long long)total[3],
		  (long long)(2 * (p->period > 0 ? p->period : 1)));
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_smp *s = &p->samples[r[i].sample];

		sb_printf(&b, "%lld: %lld [%lld: %lld] @", (long long)r[i].v[0],
			  (long long)r[i].v[1], (long long)r[i].v[2], (long long)r[i].v[3]);
		sb_addresses(&b, p, s);
		sb_add(&b, "\n", 1);
		sb_frames(&b, p, s);
	}
	free(r);
	tw_align(&b);
	return sb_finish(&b, out, len);
}

/* --- block and mutex ------------------------------------------------------------------------ */

struct cont_rec {
	size_t sample;
	int64_t delay, count;
};

static int cont_by_delay(const void *a, const void *b)
{
	const struct cont_rec *x = a, *y = b;

	if (x->delay != y->delay)
		return x->delay > y->delay ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

int legacy_contention_text(const struct profile *p, const char *name, char **out, size_t *len)
{
	ssize_t ci = type_index(p, "contentions", "count"), di = type_index(p, "delay", "nanoseconds");
	struct cont_rec *r;
	struct sb b = { 0 };

	if (ci < 0 || di < 0 || !name)
		return -EINVAL;
	r = calloc(p->n_samples + 1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_samples; i++) {
		r[i].sample = i;
		r[i].count = value(p, i, ci);
		r[i].delay = value(p, i, di);
	}
	qsort(r, p->n_samples, sizeof(*r), cont_by_delay);
	sb_printf(&b, "--- %s:\ncycles/second=1000000000\n", name);
	if (!strcmp(name, "mutex"))
		sb_puts(&b, "sampling period=1\n");
	for (size_t i = 0; i < p->n_samples; i++) {
		const struct profile_smp *s = &p->samples[r[i].sample];

		sb_printf(&b, "%lld %lld @", (long long)r[i].delay, (long long)r[i].count);
		sb_addresses(&b, p, s);
		sb_add(&b, "\n", 1);
		sb_frames(&b, p, s);
	}
	free(r);
	tw_align(&b);
	return sb_finish(&b, out, len);
}

/* --- the thread dump ------------------------------------------------------------------------- */

struct thread_ref {
	int64_t tid;		/* -1: a sample without a tid label */
	size_t sample;
};

static int thread_by_tid(const void *a, const void *b)
{
	const struct thread_ref *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

static const char *string_label(const struct profile *p, const struct profile_smp *s,
				const char *key)
{
	for (size_t i = 0; i < s->n_labels; i++) {
		const struct profile_lbl *l = &p->labels[s->label_off + i];

		if (l->str_str && !strcmp(profile_str(p, l->key_str), key))
			return profile_str(p, l->str_str);
	}
	return NULL;
}

static void sb_thread(struct sb *b, const struct profile *p, const struct thread_ref *t)
{
	static const char *const ours[] = { "thread", "state", NULL };
	const struct profile_smp *s = &p->samples[t->sample];
	const char *name = string_label(p, s, "thread"), *state = string_label(p, s, "state");
	size_t mark;

	if (t->tid >= 0)
		sb_printf(b, "thread %lld ", (long long)t->tid);
	else
		sb_puts(b, "thread ? ");
	sb_quote(b, name ? name : "");
	sb_printf(b, " [%s]:\n", state ? state : "unknown");
	sb_puts(b, "labels: ");
	mark = b->n;
	sb_labels(b, p, s, ours);
	if (b->failed)
		return;
	if (b->n == mark) {
		b->n -= strlen("labels: ");
		b->s[b->n] = '\0';
	} else {
		sb_add(b, "\n", 1);
	}
	for (size_t i = 0; i < s->n_locs; i++) {
		const struct profile_loc *l = loc_of(p, sample_locs(p, s)[i]);
		const char *obj = mapping_file(p, l);

		if (!l->n_lines)
			sb_printf(b, "%#llx\n\t%s\n", (unsigned long long)l->address, *obj ? obj : "?");
		/* A synthetic frame ("[thread exited]") is only a name. */
		if (l->n_lines == 1 && !l->address && !*obj &&
		    !*profile_str(p, p->functions[p->lines[l->line_off].function_id - 1].filename_str)) {
			sb_printf(b, "%s\n", profile_str(p,
				  p->functions[p->lines[l->line_off].function_id - 1].name_str));
			continue;
		}
		for (size_t k = 0; k < l->n_lines; k++) {
			const struct profile_line *ln = &p->lines[l->line_off + k];
			const struct profile_func *f = &p->functions[ln->function_id - 1];
			const char *file = profile_str(p, f->filename_str);

			sb_printf(b, "%s\n\t", profile_str(p, f->name_str));
			if (*file)
				sb_printf(b, "%s:%lld", file, (long long)ln->line);
			else
				sb_puts(b, *obj ? obj : "?");
			/* The offset belongs to the real function: the last (outermost) line. */
			if (k + 1 == l->n_lines && l->has_sym_offset)
				sb_printf(b, " +%#llx", (unsigned long long)l->sym_offset);
			sb_add(b, "\n", 1);
		}
	}
	sb_add(b, "\n", 1);
}

int legacy_threads_text(const struct profile *p, char **out, size_t *len)
{
	struct thread_ref *t = NULL;
	size_t n = 0, cap = 0;
	struct sb b = { 0 };

	for (size_t i = 0; i < p->n_samples && !b.failed; i++) {
		const struct profile_smp *s = &p->samples[i];
		size_t before = n;

		for (size_t k = 0; k <= s->n_labels; k++) {
			const struct profile_lbl *l =
				k < s->n_labels ? &p->labels[s->label_off + k] : NULL;

			if (l && (l->str_str || strcmp(profile_str(p, l->key_str), "tid")))
				continue;
			if (!l && n > before)
				break;
			if (n == cap) {
				struct thread_ref *nt;

				cap = cap ? 2 * cap : 64;
				nt = realloc(t, cap * sizeof(*t));
				if (!nt) {
					b.failed = true;
					break;
				}
				t = nt;
			}
			t[n].tid = l ? l->num : -1;
			t[n].sample = i;
			n++;
		}
	}
	if (!b.failed)
		qsort(t, n, sizeof(*t), thread_by_tid);
	for (size_t i = 0; i < n && !b.failed; i++)
		sb_thread(&b, p, &t[i]);
	free(t);
	return sb_finish(&b, out, len);
}
