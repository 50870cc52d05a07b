/*
 * count_text.h: Go's debug=1 text of a count profile (goroutine, threadcreate, custom
 * profiles), written from a decoded profile, for the /debug/pprof/ server.
 * NEEDSWORK: a stand-in until encoder/legacy.c (issue 5) writes Go's text formats; it
 * leaves out the function offsets ("+0x1c") and the tab alignment Go's tabwriter adds to
 * the comment lines, which pprof's parser ignores anyway.
 */
#ifndef CPROF_COUNT_TEXT_H
#define CPROF_COUNT_TEXT_H

#include <stdio.h>

struct dprofile;

/*
 * Writes "NAME profile: total N", then one record per distinct stack, most frequent
 * first (ties by their address list, as Go sorts them): "COUNT @ 0x.. 0x.." with return
 * addresses (location address + 1: pprof's parser subtracts 1 again), then one
 * "#\t0xPC\tFUNCTION\tFILE:LINE" line per frame and a blank line. Values are taken from
 * sample type 0; labels are not written. Frames without an address ([lost samples] and
 * the like) are left out of the record; a record left without any is left out (its count
 * stays in the total). 0, -ENOMEM, or -EIO from the stream.
 */
int count_text_write(FILE *f, const struct dprofile *p, const char *name);

#endif
