/*
 * env.h: the launcher's side of the environment contract (docs/cprofrun.1, DESIGN.md):
 * where libcprof.so is, and the environment the program gets: LD_PRELOAD with the library
 * appended, a CPROF_ variable per flag given, CPROF_HANDSHAKE_FD and CPROF_PID. cprofrun's
 * own environment is never changed.
 */
#ifndef CPROF_LAUNCHER_ENV_H
#define CPROF_LAUNCHER_ENV_H

#include <sys/types.h>

#include "flags.h"

struct env_child {
	char **envp;		/* NULL-terminated; the array and the entries env adds are owned */
	char **owned;		/* the entries env_build allocated, NULL-terminated */
	char *pid_entry;	/* "CPROF_PID=" and room for the digits, filled by env_set_pid */
};

/*
 * Finds libcprof.so: $CPROF_LIB when set and not empty (it must exist), else libcprof.so
 * in the directory of /proc/self/exe (the build tree), else ../lib/cprof/libcprof.so from
 * there (the installed layout). On success *out is a malloc'd absolute path the caller
 * frees and 0 is returned; otherwise one "cprofrun: ..." line is printed and a negative
 * errno returned. A path LD_PRELOAD cannot hold (a space or ':') is an error too.
 */
int env_find_lib(char **out);

/*
 * Builds the program's environment in e from environ: every entry except those the
 * launcher sets, then LD_PRELOAD (the old value, a space, lib), one CPROF_ variable per
 * flag given (flags_table's env column; profiles get their absolute path), the
 * CPROF_HANDSHAKE_FD=handshake_fd:inode and an empty CPROF_PID. Returns 0 or -ENOMEM; free e
 * with env_free.
 */
int env_build(struct env_child *e, const char *lib, const struct flags_value *values,
	      int handshake_fd);

/*
 * Writes pid into the CPROF_PID entry. Called in the child between fork and exec: no
 * allocation, no stdio, no errno change.
 */
void env_set_pid(struct env_child *e, pid_t pid);

/* Frees what env_build allocated; e may be zeroed or half built. */
void env_free(struct env_child *e);

#endif
