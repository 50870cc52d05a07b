/*
 * gz.h: gzip compression and decompression with zlib, in memory and to a file descriptor.
 * No process state beyond the write seam, which tests replace to simulate a full disk.
 */
#ifndef CPROF_GZ_H
#define CPROF_GZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Compresses in[0..n) into a gzip member at BestSpeed. *out is malloc'd. 0 or -errno. */
int gz_compress(const void *in, size_t n, uint8_t **out, size_t *out_n);

/*
 * Decompresses one or more concatenated gzip members. If in does not start with the gzip
 * magic (1f 8b) the bytes are copied as they are (pprof accepts raw protobuf too).
 * *out is malloc'd. 0, -EINVAL (corrupt data) or -ENOMEM.
 */
int gz_decompress(const void *in, size_t n, uint8_t **out, size_t *out_n);

/*
 * gz_decompress, and on -EINVAL a one-line reason in Go's words where it has them
 * ("gzip: invalid header", "gzip: invalid checksum", "unexpected EOF", ...) in err
 * (errlen bytes, may be NULL).
 */
int gz_decompress_err(const void *in, size_t n, uint8_t **out, size_t *out_n, char *err,
		      size_t errlen);

/* The write seam: every write gz_write_all makes goes through it. Tests replace it. */
extern ssize_t (*gz_write_fn)(int fd, const void *buf, size_t n);

/*
 * Writes buf[0..n) to fd through gz_write_fn, retrying short writes and EINTR.
 * 0 or -errno (for example -ENOSPC).
 */
int gz_write_all(int fd, const void *buf, size_t n);

#endif
