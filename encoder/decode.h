/*
 * decode.h: read a profile.proto (gzipped or raw) into plain C structures with every
 * string resolved, checking what go tool pprof's CheckValid checks. Used by the tests,
 * pdump and the launcher's summary. No process state, no printing except to the FILE the
 * caller passes to decode_print / decode_top.
 */
#ifndef CPROF_DECODE_H
#define CPROF_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

struct dvaluetype {
	const char *type;
	const char *unit;
};

struct dlabel {
	const char *key;
	const char *str;	/* NULL for a numeric label */
	int64_t num;
	const char *num_unit;	/* "" when unset */
};

struct dsample {
	uint64_t *location_ids;	/* leaf first */
	size_t n_locations;
	int64_t *values;	/* n_sample_types entries */
	struct dlabel *labels;
	size_t n_labels;
};

struct dmapping {
	uint64_t id, memory_start, memory_limit, file_offset;
	const char *filename;
	const char *build_id;
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct dline {
	uint64_t function_id;
	int64_t line;
	int64_t column;		/* 0 when unset */
};

struct dlocation {
	uint64_t id, mapping_id, address;
	struct dline *lines;
	size_t n_lines;
	bool is_folded;
};

struct dfunction {
	uint64_t id;
	const char *name, *system_name, *filename;
	int64_t start_line;
};

struct dprofile {
	struct dvaluetype *sample_types;
	size_t n_sample_types;
	struct dsample *samples;
	size_t n_samples;
	struct dmapping *mappings;
	size_t n_mappings;
	struct dlocation *locations;
	size_t n_locations;
	struct dfunction *functions;
	size_t n_functions;
	const char **comments;
	size_t n_comments;
	const char *drop_frames, *keep_frames;	/* "" when unset */
	int64_t time_nanos, duration_nanos;
	struct dvaluetype period_type;
	int64_t period;
	const char *default_sample_type;	/* "" when unset */
	const char *doc_url;	/* "" when unset */
	size_t n_strings;	/* size of the string table */
	void *priv;	/* decoder's own storage */
};

/*
 * Decodes buf[0..n). On success *out is set (free it with decode_free) and 0 is returned.
 * On failure a negative errno is returned and err (if not NULL) holds a one-line reason in
 * pprof's words where pprof has them ("malformed profile: ...", "empty input file",
 * "concatenated profiles detected", "decompressing profile: ...").
 */
int decode_profile(const void *buf, size_t n, struct dprofile **out, char *err, size_t errlen);
/* Reads and decodes a file; err as above ("open PATH: ..." when it cannot be read). */
int decode_file(const char *path, struct dprofile **out, char *err, size_t errlen);
/* Frees a decoded profile and every string in it. NULL is allowed. */
void decode_free(struct dprofile *p);

/*
 * Lookups by id; NULL when absent. They also work on a dprofile filled in by hand (priv
 * NULL, as tests build expected profiles), by linear search.
 */
const struct dmapping *decode_mapping(const struct dprofile *p, uint64_t id);
const struct dlocation *decode_location(const struct dprofile *p, uint64_t id);
const struct dfunction *decode_function(const struct dprofile *p, uint64_t id);

/*
 * The index of the default sample type (the last one when default_sample_type is unset or
 * names no sample type); 0 when there are none.
 */
size_t decode_default_index(const struct dprofile *p);
/* Sum of values[index] over all samples. */
int64_t decode_total(const struct dprofile *p, size_t index);

/*
 * Resolves a -sample_index argument: a decimal index, or a sample type's name ("cpu",
 * "alloc_space"). 0 with *index set, or -EINVAL when nothing matches.
 */
int decode_sample_index(const struct dprofile *p, const char *spec, size_t *index);

/*
 * Prints every field in a stable text form, one item per line (header, sample types,
 * samples with their frames by function name, locations, functions, mappings), for golden
 * files and for humans; the format is documented at the top of tests/tools/pdump.c
 * (pdump -raw). Returns 0 or -EIO from the stream.
 */
int decode_print(FILE *f, const struct dprofile *p);

/*
 * Prints the top n functions (n 0: all) by flat value of sample type index as go tool
 * pprof -top -nodefraction=0 does: its header lines, then flat, flat%, sum%, cum, cum%,
 * name, with pprof's unit choice (s/ms/us/ns, B/kB/MB in powers of 1024, plain counts).
 * 0, -EINVAL (index out of range), -ENOMEM, or -EIO from the stream.
 */
int decode_top(FILE *f, const struct dprofile *p, size_t index, size_t n);

#endif
