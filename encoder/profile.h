/*
 * profile.h: build a pprof profile (profile.proto) in memory and serialize it.
 * The builder owns copies of every string it is given; ids are assigned densely from 1.
 * No process state, no printing: errors come back as negative errno values (or 0 ids).
 * Callers: the preload's dump (background thread), the launcher, the tests.
 */
#ifndef CPROF_PROFILE_H
#define CPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct profile;

/* One Line of a Location: line[0] is the innermost (inlined) function, the last the outermost. */
struct profile_line {
	uint64_t function_id;
	int64_t line;
	int64_t column;		/* 0 = unknown; Go never writes it, Go 1.19's pprof ignores it */
};

/*
 * A label. A string label has str != NULL; a numeric one has str == NULL and uses num
 * (and num_unit, which may be NULL). pprof drops a string label whose value is "" and a
 * numeric label whose num is 0 without a unit: profile_add_sample skips such labels too.
 */
struct profile_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *num_unit;
};

struct profile_mapping {
	uint64_t memory_start;
	uint64_t memory_limit;	/* exclusive */
	uint64_t file_offset;
	const char *filename;
	const char *build_id;	/* lowercase hex, or NULL */
	bool has_functions;
	bool has_filenames;
	bool has_line_numbers;
	bool has_inline_frames;
};

/* A new, empty profile, or NULL when out of memory. Free it with profile_free. */
struct profile *profile_new(void);
/* Frees p and every string it copied. NULL is allowed. */
void profile_free(struct profile *p);

/*
 * Appends a sample type (Go writes both fields of every ValueType). 0 or -ENOMEM; -EINVAL
 * once samples exist (each sample already holds one value per type).
 */
int profile_add_sample_type(struct profile *p, const char *type, const char *unit);
/* Number of sample types added so far. */
size_t profile_n_sample_types(const struct profile *p);
/* Sets period_type (written only once this is called) and period. 0 or -ENOMEM. */
int profile_set_period(struct profile *p, const char *type, const char *unit, int64_t period);
/* Sets default_sample_type to the type's name. -EINVAL if no such sample type exists. */
int profile_set_default_sample_type(struct profile *p, const char *type);
/* Sets time_nanos (ns since the epoch) and duration_nanos; 0 leaves a field unwritten. */
void profile_set_time(struct profile *p, int64_t time_nanos, int64_t duration_nanos);
/* Appends a comment (free text for humans). 0 or -ENOMEM. */
int profile_add_comment(struct profile *p, const char *text);
/* Set the drop_frames / keep_frames regexes (pprof anchors them: ^(regex)$). 0 or -ENOMEM. */
int profile_set_drop_frames(struct profile *p, const char *regex);
int profile_set_keep_frames(struct profile *p, const char *regex);
/* Sets doc_url (field 15, newer than Go 1.19's pprof, which skips it). 0 or -ENOMEM. */
int profile_set_doc_url(struct profile *p, const char *url);

/*
 * Adds a mapping (strings copied) and returns its id (1, 2, ... in call order), or 0 when
 * out of memory or m is NULL.
 * Mapping 1 should be the main executable: pprof's File: and Build ID: come from it.
 */
uint64_t profile_add_mapping(struct profile *p, const struct profile_mapping *m);

/*
 * Returns the id of the function with these four fields, adding it if new (deduplicated).
 * name and system_name may be equal; NULL strings are stored as "". 0 when out of memory.
 */
uint64_t profile_add_function(struct profile *p, const char *name, const char *system_name,
			      const char *filename, int64_t start_line);

/*
 * Returns the id of the location for (mapping_id, address), adding it with these lines
 * if new. Locations with address 0 (synthetic frames) are deduplicated by their lines
 * instead. mapping_id 0 means none. Every line needs a function id the profile has.
 * 0 when out of memory or when a function id or mapping id is unknown.
 */
uint64_t profile_add_location(struct profile *p, uint64_t mapping_id, uint64_t address,
			      const struct profile_line *lines, size_t n_lines);

/*
 * Records that location loc_id lies offset bytes past the start of its (outermost)
 * function's symbol. profile.proto has no field for it and it is not serialized; Go's
 * text formats print it ("func+0x1f"), so legacy.c does. 0, or -EINVAL for an unknown id.
 */
int profile_set_location_offset(struct profile *p, uint64_t loc_id, uint64_t offset);

/*
 * Adds values to the sample with these locations (leaf first) and labels, creating it if
 * new: samples with identical location lists and identical label sets are merged by
 * summing their values, as Go aggregates. values has profile_n_sample_types() entries.
 * Labels are compared as sets (order does not matter). 0, -EINVAL (unknown location id,
 * no sample types, no locations) or -ENOMEM.
 */
int profile_add_sample(struct profile *p, const uint64_t *location_ids, size_t n_locations,
		       const int64_t *values, const struct profile_label *labels,
		       size_t n_labels);

/* Counts, for callers that report what they built (samples after merging). */
size_t profile_n_samples(const struct profile *p);
size_t profile_n_locations(const struct profile *p);

/*
 * Serializes to uncompressed protobuf. *buf is malloc'd and owned by the caller.
 * Strings are deduplicated; string_table[0] is "". 0 or -ENOMEM.
 */
int profile_serialize(const struct profile *p, uint8_t **buf, size_t *len);

/* Serializes and gzips (as Go does, at BestSpeed). *buf is malloc'd. 0 or negative errno. */
int profile_serialize_gz(const struct profile *p, uint8_t **buf, size_t *len);

#endif
