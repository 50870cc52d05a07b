/*
 * profile_impl.h: the inside of struct profile, for writers in the encoder library
 * (profile.c's protobuf writer now, legacy.c's text formats later) that iterate what the
 * builder holds. Outside encoder/, use profile.h only.
 */
#ifndef CPROF_PROFILE_IMPL_H
#define CPROF_PROFILE_IMPL_H

#include "htab.h"
#include "profile.h"

/*
 * Invariants (what every writer may rely on):
 * - strs[0] is "" and every *_str field below is an index into strs (0 = unset / "").
 *   Every string appears once (interned through str_index).
 * - Mapping, function and location ids are their array position + 1, so
 *   mappings[id - 1] is the mapping with that id; 0 means none.
 * - A location's lines are lines[line_off .. line_off + n_lines), innermost first, and every
 *   function_id is a valid function id.
 * - A sample's locations are sample_locs[loc_off .. loc_off + n_locs), leaf first, n_locs > 0,
 *   every id valid; its values are sample_values[i * n_sample_types ..], one per sample
 *   type; its labels are labels[label_off .. label_off + n_labels), already filtered like
 *   pprof and sorted by (key, str, num, num_unit), so equal sets compare equal memberwise.
 * - Samples with equal locations and labels have been merged (values summed).
 */
struct profile_vt {
	int64_t type_str;
	int64_t unit_str;
};

struct profile_map {
	uint64_t memory_start, memory_limit, file_offset;
	int64_t filename_str, build_id_str;
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct profile_func {
	int64_t name_str, system_name_str, filename_str;
	int64_t start_line;
};

struct profile_loc {
	uint64_t mapping_id;
	uint64_t address;
	size_t line_off;
	size_t n_lines;
	uint64_t sym_offset;	/* address minus its symbol's start (not serialized) */
	bool has_sym_offset;
};

struct profile_lbl {
	int64_t key_str;
	int64_t str_str;	/* 0 for a numeric label */
	int64_t num;
	int64_t unit_str;
};

struct profile_smp {
	size_t loc_off;
	size_t n_locs;
	size_t label_off;
	size_t n_labels;
};

struct profile {
	char **strs;
	size_t n_strs, cap_strs;
	struct htab str_index;

	struct profile_vt *sample_types;
	size_t n_sample_types, cap_sample_types;
	struct profile_vt period_type;
	bool has_period_type;
	int64_t period;
	int64_t time_nanos, duration_nanos;
	int64_t *comments;
	size_t n_comments, cap_comments;
	int64_t drop_frames_str, keep_frames_str, default_sample_type_str, doc_url_str;

	struct profile_map *mappings;
	size_t n_mappings, cap_mappings;

	struct profile_func *functions;
	size_t n_functions, cap_functions;
	struct htab func_index;

	struct profile_loc *locations;
	size_t n_locations, cap_locations;
	struct profile_line *lines;
	size_t n_lines, cap_lines;
	struct htab loc_index;

	struct profile_smp *samples;
	size_t n_samples, cap_samples;
	uint64_t *sample_locs;
	size_t n_sample_locs, cap_sample_locs;
	int64_t *sample_values;	/* n_samples * n_sample_types entries */
	size_t cap_sample_values;
	struct profile_lbl *labels;
	size_t n_labels, cap_labels;
	struct htab sample_index;

	/* profile_add_sample's scratch space for normalizing labels */
	struct profile_lbl *scratch;
	size_t cap_scratch;
};

/* The string with index i (i < p->n_strs). */
static inline const char *profile_str(const struct profile *p, int64_t i)
{
	return p->strs[i];
}

#endif
