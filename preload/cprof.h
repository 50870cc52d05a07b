/*
 * cprof.h: the optional public API of cprof, for C and C++ programs.
 *
 * A program that includes this header needs no library at link time: every function
 * here looks up libcprof.so's entry point at run time (dlsym), once, and does nothing
 * when the program is not running under the profiler. So the same binary runs unchanged,
 * and fast, with or without cprof.
 */
#ifndef CPROF_H
#define CPROF_H

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CPROF_API_VERSION 2

/* Internal: the entry point `name` of libcprof.so, or NULL when it is not loaded. */
static inline void *cprof__lookup(const char *name)
{
	return dlsym(RTLD_DEFAULT, name);
}

/*
 * Internal: *fn, looked up on the first call (every function below keeps its own pair of
 * statics). A race between two first calls only looks the name up twice.
 */
static inline void *cprof__resolve(void **fn, int *looked, const char *name)
{
	if (__builtin_expect(!__atomic_load_n(looked, __ATOMIC_ACQUIRE), 0)) {
		__atomic_store_n(fn, cprof__lookup(name), __ATOMIC_RELAXED);
		__atomic_store_n(looked, 1, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(fn, __ATOMIC_RELAXED);
}

#define CPROF__FN(type, name) \
	static void *cprof__fn_; \
	static int cprof__looked_; \
	__typeof__(type) cprof__f_ = (__typeof__(type))cprof__resolve(&cprof__fn_, &cprof__looked_, name)

/*
 * True when libcprof.so is loaded into this process and profiling it (false in
 * processes it leaves alone, such as programs exec'd by the profiled one).
 */
static inline int cprof_enabled(void)
{
	CPROF__FN(int (*)(void), "cprof_enabled_v1");

	return cprof__f_ ? cprof__f_() : 0;
}

/* --- labels: Go's pprof.Do, WithLabels, SetGoroutineLabels, Label, ForLabels ------------- */

/*
 * A label set: key/value strings that CPU (and heap, allocs, block, mutex) samples taken
 * on a thread carry while the thread is in the set, so that go tool pprof
 * -tagfocus=key=value isolates them; the threads profile shows each thread's set too.
 * Sets are interned by the library: a set is a small number that stays valid for the life
 * of the process, and 0 is the empty set. Keys and values are copied (cut at 256 bytes);
 * a set holds at most 8 labels. Threads start in their creator's set, as goroutines do.
 * Without cprof every set is 0 and nothing is recorded.
 */
typedef unsigned int cprof_labels_t;

/*
 * Pairs for the functions below: CPROF_PAIRS("request", "checkout", "user", "ann")
 * expands to the count of pairs and the array (C only: a compound literal).
 */
#define CPROF_PAIRS(...) \
	(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *) / 2), \
	((const char *const[]){ __VA_ARGS__ })

/*
 * Go's WithLabels(Labels(...)): the set base with the n pairs kv[0], kv[1], ...,
 * kv[2n-2], kv[2n-1] (key, value) added; a key already in base takes the new value.
 * Does not change the thread's set.
 */
static inline cprof_labels_t cprof_labels_with(cprof_labels_t base, size_t n,
					       const char *const kv[])
{
	CPROF__FN(cprof_labels_t (*)(cprof_labels_t, size_t, const char *const *),
		  "cprof_labels_with_v1");

	return cprof__f_ ? cprof__f_(base, n, kv) : 0;
}

/*
 * Go's pprof.Do, as a bracket: the calling thread enters the set made of its current
 * set plus these pairs (nested regions inherit and override), and the previous set is
 * returned for cprof_labels_restore. Costs about 50 ns for a set seen before and never
 * allocates then; well under 1 ns without cprof.
 *
 *	cprof_labels_t prev = cprof_labels_push(CPROF_PAIRS("request", "checkout"));
 *	handle_checkout(req);
 *	cprof_labels_restore(prev);
 */
static inline cprof_labels_t cprof_labels_push(size_t n, const char *const kv[])
{
	CPROF__FN(cprof_labels_t (*)(size_t, const char *const *), "cprof_labels_push_v1");

	return cprof__f_ ? cprof__f_(n, kv) : 0;
}

/* Go's SetGoroutineLabels: makes set the calling thread's set (an id not from cprof: ignored). */
static inline void cprof_labels_set(cprof_labels_t set)
{
	CPROF__FN(void (*)(cprof_labels_t), "cprof_labels_set_v1");

	if (cprof__f_)
		cprof__f_(set);
}

/* Leaves a region entered with cprof_labels_push (the same as cprof_labels_set). */
static inline void cprof_labels_restore(cprof_labels_t prev)
{
	cprof_labels_set(prev);
}

/* The calling thread's current set (Go: the labels of the context). */
static inline cprof_labels_t cprof_labels_get(void)
{
	CPROF__FN(cprof_labels_t (*)(void), "cprof_labels_get_v1");

	return cprof__f_ ? cprof__f_() : 0;
}

/* Go's pprof.Label: the value of key in set, or NULL. The string lives for ever. */
static inline const char *cprof_labels_value(cprof_labels_t set, const char *key)
{
	CPROF__FN(const char *(*)(cprof_labels_t, const char *), "cprof_labels_value_v1");

	return cprof__f_ ? cprof__f_(set, key) : (const char *)0;
}

/*
 * Go's ForLabels: stores up to max pairs of set in kv[0..2*max) (key, value, key, ...;
 * the strings live for ever) and returns how many pairs the set has.
 */
static inline size_t cprof_labels_list(cprof_labels_t set, const char *kv[], size_t max)
{
	CPROF__FN(size_t (*)(cprof_labels_t, const char **, size_t), "cprof_labels_list_v1");

	return cprof__f_ ? cprof__f_(set, kv, max) : 0;
}

/* Go's pprof.Do: runs fn(arg) with these pairs added to the thread's labels. */
static inline void cprof_labels_do(size_t n, const char *const kv[], void (*fn)(void *),
				   void *arg)
{
	cprof_labels_t prev = cprof_labels_push(n, kv);

	fn(arg);
	cprof_labels_restore(prev);
}

/* --- custom profiles: Go's NewProfile, Lookup, Profiles, Add, Remove, Count ------------- */

/*
 * A named count profile of live entries: each entry is added with the stack of the code
 * that adds it and removed by its key (typically the address of the object it tracks),
 * so the profile shows where the entries still alive were created, as Go's custom
 * profiles do (go tool pprof sees sample type NAME/count). cprofrun -profile=NAME=FILE
 * writes it when the program exits; the HTTP server serves it as /debug/pprof/NAME.
 * Without cprof every function returns NULL or 0 and does nothing.
 */
typedef struct cprof_profile cprof_profile;

/*
 * Go's NewProfile: a new profile named name (letters, digits, '.', '_' and '-', at most
 * 63 of them; not a name Go gives a built-in profile). NULL if the name is taken or not
 * valid, after 32 profiles, and without cprof.
 */
static inline cprof_profile *cprof_profile_new(const char *name)
{
	CPROF__FN(cprof_profile *(*)(const char *), "cprof_profile_new_v1");

	return cprof__f_ ? cprof__f_(name) : (cprof_profile *)0;
}

/* Go's Lookup: the custom profile named name, or NULL. */
static inline cprof_profile *cprof_profile_lookup(const char *name)
{
	CPROF__FN(cprof_profile *(*)(const char *), "cprof_profile_lookup_v1");

	return cprof__f_ ? cprof__f_(name) : (cprof_profile *)0;
}

/*
 * Go's Profiles, for custom profiles: stores up to max of them in out[], sorted by name,
 * and returns how many there are.
 */
static inline size_t cprof_profiles(cprof_profile *out[], size_t max)
{
	CPROF__FN(size_t (*)(cprof_profile **, size_t), "cprof_profiles_v1");

	return cprof__f_ ? cprof__f_(out, max) : 0;
}

/*
 * Go's Profile.Add: adds the entry key with the current stack, leaving out skip frames
 * above the function that calls this one. 0; -EEXIST if key is already in the profile
 * (Go panics); -EINVAL for a NULL profile; -ENOSPC when cprof's tables are full (the
 * count stays right, the stack is lost). Always inlined, so that the stack starts in the
 * caller even without optimization.
 */
static inline __attribute__((always_inline)) int cprof_profile_add(cprof_profile *p,
								    const void *key, int skip)
{
	CPROF__FN(int (*)(cprof_profile *, const void *, int), "cprof_profile_add_v1");

	return cprof__f_ ? cprof__f_(p, key, skip) : 0;
}

/* Go's Profile.Remove: removes the entry key. 0, or -ENOENT when it is not there. */
static inline int cprof_profile_remove(cprof_profile *p, const void *key)
{
	CPROF__FN(int (*)(cprof_profile *, const void *), "cprof_profile_remove_v1");

	return cprof__f_ ? cprof__f_(p, key) : 0;
}

/* Go's Profile.Count: the number of entries in the profile now. */
static inline long cprof_profile_count(cprof_profile *p)
{
	CPROF__FN(long (*)(cprof_profile *), "cprof_profile_count_v1");

	return cprof__f_ ? cprof__f_(p) : 0;
}

/* Go's Profile.Name. */
static inline const char *cprof_profile_name(cprof_profile *p)
{
	CPROF__FN(const char *(*)(cprof_profile *), "cprof_profile_name_v1");

	return cprof__f_ ? cprof__f_(p) : (const char *)0;
}

/*
 * Go's Lookup(name).WriteTo(w, debug), to a file: writes the profile named name as it is
 * now (goroutine: a new threads snapshot; threadcreate; heap, allocs, block, mutex when
 * cprof collects them; or a custom profile) to path: debug 0 the gzipped protobuf, 1 Go's
 * text form (the one go tool pprof also reads), 2 for goroutine the thread dump. 0 or a
 * negative errno: -ENOENT for a name cprof does not have, -ENOSYS without cprof.
 */
static inline int cprof_write_profile(const char *name, const char *path, int debug)
{
	CPROF__FN(int (*)(const char *, const char *, int), "cprof_write_profile_v1");

	return cprof__f_ ? cprof__f_(name, path, debug) : -ENOSYS;
}

#ifdef __cplusplus
}

namespace cprof {

/*
 * Go's pprof.Do for a C++ scope: the thread is in its set plus these pairs until the
 * object is destroyed.
 *
 *	{
 *		cprof::label_scope scope({ "request", "checkout" });
 *		handle_checkout(req);
 *	}
 */
class label_scope {
public:
	template <size_t N>
	explicit label_scope(const char *const (&kv)[N]) : prev_(cprof_labels_push(N / 2, kv)) {}
	~label_scope() { cprof_labels_restore(prev_); }
	label_scope(const label_scope &) = delete;
	label_scope &operator=(const label_scope &) = delete;

private:
	cprof_labels_t prev_;
};

}
#endif

#endif
