/*
 * legacy.h: Go's text forms of profiles, as net/http/pprof serves them with debug=1 (and
 * debug=2 for goroutine), written from a built struct profile. The debug=1 forms are the
 * ones go tool pprof parses; the thread dump is for humans. No process state, no I/O:
 * each function returns the text in a malloc'd buffer.
 */
#ifndef CPROF_LEGACY_H
#define CPROF_LEGACY_H

#include <stddef.h>

struct profile;

/*
 * Go's debug=1 text of a count profile (goroutine, threadcreate, custom profiles):
 *   "<name> profile: total <N>", then one record per distinct (stack, string labels),
 *   sorted by count: "<count> @ 0x<ret> ...", "# labels: {...}" when it has string
 *   labels, "#\t0x<pc>\t<func>+0x<off>\t<file>:<line>" per frame, a blank line.
 * name is the first sample type's type, N the sum of its values. Addresses are written
 * as return addresses (location address + 1), as pprof expects (it subtracts 1).
 * On success *out (NUL-terminated, owned by the caller) and *len are set and 0 is
 * returned; -EINVAL when p has no sample type, -ENOMEM.
 */
int legacy_count_text(const struct profile *p, char **out, size_t *len);

/*
 * Go's debug=1 heap text: "heap profile: <inuse objs>: <inuse bytes> [<alloc objs>:
 * <alloc bytes>] @ heap/<2*period>" and one record per sample in the same form, sorted
 * by in-use bytes. Values are the raw sampled counts that pprof expects: Go's scaling
 * (alloc and inuse pairs, each by 1/(1-exp(-avg/period)), avg from the sample's numeric
 * "bytes" label when it has one) is undone. When the header's in-use totals equal its
 * alloc totals, alloc bytes get 1 added, as newer Go does, so that pprof keeps all four
 * columns. p needs Go's four heap sample types (alloc_objects, alloc_space,
 * inuse_objects, inuse_space): -EINVAL otherwise. Memory and errors as above.
 */
int legacy_heap_text(const struct profile *p, char **out, size_t *len);

/*
 * Go's debug=1 block (name "contention") or mutex (name "mutex") text: "--- <name>:",
 * "cycles/second=1000000000" (delays are nanoseconds, so a cycle is one), for mutex
 * "sampling period=1" (the profile's values are already scaled), then
 * "<delay ns> <count> @ 0x<ret> ..." per sample, sorted by delay, each with its frames.
 * p needs the types contentions/count and delay/nanoseconds: -EINVAL otherwise.
 */
int legacy_contention_text(const struct profile *p, const char *name, char **out, size_t *len);

/*
 * The thread dump (goroutine with debug=2): one block per thread, in tid order, each
 * thread once: "thread <tid> \"<name>\" [<state>]:", a "labels: {...}" line when the
 * thread is in a label set, then every frame leaf first as "<func>" and
 * "\t<file>:<line> +0x<off>" (the object's path when the file is unknown), then a blank
 * line. Built from the labels cprof puts on threads-profile samples: each value of the
 * numeric label "tid" is one thread, "thread" its name, "state" its state; other string
 * labels are the program's. Memory and errors as above.
 */
int legacy_threads_text(const struct profile *p, char **out, size_t *len);

#endif
