/*
 * common.h: macros every preload file uses: initial-exec TLS, symbol export, branch hints
 * and CPROF_NEVER for checks that cannot fail. Nothing here allocates or locks.
 */
#ifndef CPROF_COMMON_H
#define CPROF_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdatomic.h>

/* Per-thread state: initial-exec TLS never allocates, so signal handlers may touch it. */
#define CPROF_TLS __thread __attribute__((tls_model("initial-exec")))
/* The only symbols libcprof.so exports: interposed libc names and the cprof_* API. */
#define CPROF_EXPORT __attribute__((visibility("default")))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Logs "cprof: internal error at FILE:LINE" for the first such error. Signal context: yes. */
void log_never_sig(const char *file, int line);

/*
 * "Cannot happen" checks: CPROF_NEVER(cond) is true when cond is, and logs the place, so
 * the caller takes the safe path: if (CPROF_NEVER(i >= n)) return -EINVAL;
 */
#define CPROF_NEVER(cond) __extension__({				\
	bool never_ = (cond);						\
	if (unlikely(never_))						\
		log_never_sig(__FILE__, __LINE__);			\
	never_;								\
})

#endif
