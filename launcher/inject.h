/*
 * inject.h: checks, before the program runs, that ld.so will load libcprof.so into it.
 * LD_PRELOAD does nothing for a statically linked program, and ld.so ignores its paths in
 * secure-execution mode (AT_SECURE: setuid, setgid, file capabilities). The handshake after
 * the run is the final word; these checks only spare the user a run that cannot profile.
 */
#ifndef CPROF_LAUNCHER_INJECT_H
#define CPROF_LAUNCHER_INJECT_H

/*
 * Finds the file execvp would run for cmd: cmd itself when it holds a '/', else the first
 * regular file with execute permission in a PATH directory (an empty element is the
 * current directory; no PATH means confstr's _CS_PATH). Returns it malloc'd, or NULL with
 * *err set as execvp would: EACCES when a candidate exists but cannot be executed, else
 * ENOENT (or ENOMEM).
 */
char *inject_resolve(const char *cmd, int *err);

/*
 * Checks the file that will run (from inject_resolve): a dynamically linked ELF (it has
 * PT_INTERP), or a script whose interpreter passes the same check; a file that is neither
 * is checked as /bin/sh would run it. The ELF that will run must not make the exec secure:
 * setuid or setgid to an id other than the caller's, or file capabilities when the caller
 * is not root (root keeps AT_SECURE off for those), all unless the file system is mounted
 * nosuid. Returns 0 when the program looks profilable or cannot be read (exec will say
 * why); otherwise prints one "cprofrun: cannot profile 'FILE': ..." line, returns -EPERM.
 */
int inject_check(const char *file);

#endif
