/*
 * merge.h: Go's profile.Merge (internal/profile in Go 1.19, which net/http/pprof uses to
 * compute delta profiles) on decoded profiles, with a scale per input as Profile.Scale
 * applies it. No process state, no printing: errors come back as negative errno values.
 */
#ifndef CPROF_MERGE_H
#define CPROF_MERGE_H

#include <stddef.h>

struct dprofile;
struct profile;

/*
 * Merges in[0..n) into a new profile (*out, free with profile_free), after multiplying
 * every value of in[i] by scale[i] as Go does (int64(float64(v) * scale), so a delta
 * profile is merge({p0, p1}, {-1, 1})):
 * - samples are keyed by their locations and labels, and the values of equal keys summed;
 *   locations are keyed by mapping, address relative to the mapping and lines, functions
 *   by their four fields, mappings by size (rounded up to 4 KiB), offset and build id (or
 *   file name), as Go keys them;
 * - samples whose values are all zero are dropped, and so are the locations, functions
 *   and mappings no remaining sample uses (the first mapping of in[0] is kept first);
 * - headers: sample and period types of in[0], the largest period, the earliest non-zero
 *   time, the sum of the durations, every distinct comment, the first default sample type
 *   set, drop_frames and keep_frames of in[0].
 * Samples without locations are left out (the builder cannot hold them; cprof never
 * makes them). Returns 0, -EINVAL when n is 0 or the profiles' sample or period types
 * differ (Go: "incompatible sample types"), or -ENOMEM.
 */
int merge_profiles(const struct dprofile *const *in, const double *scale, size_t n,
		   struct profile **out);

/* Go's int64(float64(v) * ratio), saturated where Go's conversion is undefined. */
long long merge_scale_value(long long v, double ratio);

#endif
