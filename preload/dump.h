/*
 * dump.h: turning the collectors' records into profile files. Symbolizes with symbols.c,
 * builds with the encoder, and writes atomically: a temporary file beside the destination,
 * renamed into place, so a reader never sees half a profile and a failed write never
 * destroys an older one. Normal context (background thread or exit).
 */
#ifndef CPROF_DUMP_H
#define CPROF_DUMP_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "records.h"

struct profile;

/*
 * A reading of a record table: every published record's counters, indexed by record id
 * - 1 (ids are dense and never reused). Counters only grow, so the profile of a window
 * is built from the difference of two readings (struct dump_kind's now and base).
 */
struct dump_reading {
	uint32_t n;				/* ids 1..n */
	int64_t (*v)[RECORDS_VALUES];		/* v[id - 1]; zero for ids not yet published */
};

/* Reads every record of r into *out (malloc'd; free with dump_reading_free). 0 or -ENOMEM. */
int dump_read(struct records *r, struct dump_reading *out);

/* Frees what dump_read allocated; rd may then be read into again. */
void dump_reading_free(struct dump_reading *rd);

#define DUMP_TYPES_MAX	4	/* sample types of one profile */
#define DUMP_LABELS_MAX	8	/* labels a kind's callback may add to one sample */

/* A label a collector attaches to a sample: str for a string label, else num (and unit). */
struct dump_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *unit;
};

/*
 * One kind of profile, as a collector describes it: Go's sample and period types for
 * that kind, and a callback that turns each record of its table into sample values.
 * Record keys follow one layout for every collector (records.h): w[0] is the stack id
 * (low 32 bits) and the tid (high 32), w[1] the thread name id (low) and the label set
 * (high), w[2] is the collector's own.
 */
struct dump_kind {
	const char *kind;		/* "cpu", "heap", ...: the name the launcher is told */
	const char *types[2 * DUMP_TYPES_MAX + 1];	/* type, unit, type, unit, ..., NULL */
	const char *period_type, *period_unit;
	int64_t period;
	const char *default_type;	/* NULL: the last type, as Go leaves it */
	int64_t time_ns;		/* time_nanos */
	int64_t duration_ns;		/* 0: not written (Go writes it for CPU only) */
	const char *comment;		/* or NULL */
	bool thread_labels;		/* label samples with thread (name) and tid */
	struct records *records;
	/*
	 * A window (both NULL: everything in records now). With now, the records' counters
	 * are taken from that reading instead of the live table; with base, base's counters
	 * are subtracted first, and records left with nothing in the window are left out.
	 */
	const struct dump_reading *now, *base;
	/*
	 * Fills values[] (one per type) for a record whose counters are raw[], and may add up
	 * to DUMP_LABELS_MAX labels (strings may point into scratch, 256 bytes). Returns the
	 * number of labels, or -1 to leave the record out.
	 */
	int (*sample)(void *arg, const struct records_key *k, const int64_t *raw,
		      int64_t *values, struct dump_label *labels, char *scratch);
	void *arg;
	const int64_t *lost;		/* values of a [lost samples] sample, or NULL */
};

/*
 * Builds (and symbolizes) the profile a collector describes, from a copy of its records
 * taken now. NULL when out of memory (logged). Free with profile_free.
 */
struct profile *dump_build(const struct dump_kind *k);

/* dump_build then dump_write. 0 or -errno (logged). */
int dump_profile(const struct dump_kind *k, const char *path);

/*
 * One sample given explicitly, for collectors that build from a snapshot of their own
 * rather than a records table (the threads profile): a stored stack, or, when stack is
 * 0, a one-frame stack whose synthetic function is named frame ("[signal blocked]").
 */
struct dump_sample {
	uint32_t stack;
	const char *frame;
	const int64_t *values;		/* one per type of the kind */
	const struct dump_label *labels;
	size_t n_labels;
};

/*
 * Builds (and symbolizes) a profile of k's types, period and time from samples[0..n)
 * (k->records, sample and lost are not used). NULL when out of memory (logged).
 */
struct profile *dump_build_samples(const struct dump_kind *k, const struct dump_sample *samples,
				   size_t n);

/*
 * A profile the program can be asked for by name, as Go's pprof.Lookup has them: heap,
 * allocs, goroutine (threads), threadcreate, block, mutex, and custom profiles. The exit
 * path, the dump signal and the HTTP server find them here. (The CPU profile is not one:
 * it covers a time window and has its own entry points in cpu.h.)
 */
struct dump_source {
	const char *name;		/* Go's name, as in /debug/pprof/NAME */
	const char *description;	/* the /debug/pprof/ index text (Go's wording) */
	/*
	 * Describes the profile as of now into *k. Storage k points to (strings, arg) must
	 * stay valid until the next describe of this source; dump calls describe, builds,
	 * and is done before calling it again (one at a time per source). 0 or -errno.
	 */
	int (*describe)(struct dump_kind *k);
	/* The count the index page shows (records, or threads for goroutine). */
	size_t (*count)(void);
	/*
	 * For a source that builds its profile itself (the threads snapshot): used instead of
	 * describe and dump_build when set. Returns a profile to profile_free, or NULL.
	 */
	struct profile *(*build)(void);
};

/* Adds a source (the struct must live for ever). 0, -EEXIST or -ENOSPC. Normal context. */
int dump_register(const struct dump_source *src);

/* The source with this name, or NULL. */
const struct dump_source *dump_find(const char *name);

/* Every registered source, in registration order, into out[0..max); returns how many. */
size_t dump_sources(const struct dump_source **out, size_t max);

/* In a fork child: the registry's and the builders' locks may have been held. */
void dump_fork_child(void);

/* Builds the named source's profile as of now; NULL if unknown or out of memory. */
struct profile *dump_build_source(const char *name);

/*
 * Serializes p gzipped and writes it to path atomically, then tells the launcher
 * ("profile <kind> <path>") unless kind is NULL (files the launcher is not to report,
 * such as the periodic writer's). 0 or -errno; a failure is logged once per path and
 * cause.
 */
int dump_write(const char *path, const char *kind, const struct profile *p);

/* Writes buf[0..len) (a text form) to path as dump_write writes a profile. 0 or -errno. */
int dump_write_data(const char *path, const char *kind, const void *buf, size_t len);

/* The open seam: tests replace it to simulate failures. */
extern int (*dump_open_fn)(const char *path, int flags, mode_t mode);

#endif
