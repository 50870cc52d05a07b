/*
 * gz.c: gzip in memory with zlib (one member at BestSpeed out, any number of members in,
 * raw bytes passed through) and gz_write_all, whose writes go through a replaceable seam.
 * Callers own files and paths; this file only moves bytes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gz.h"

ssize_t (*gz_write_fn)(int fd, const void *buf, size_t n) = write;

/* zlib counts in uInt: feed at most this much input or output per call. */
#define GZ_CHUNK_MAX ((size_t)UINT_MAX)

/* Doubles *buf (holding *cap bytes) and points zs at the new free space. 0 or -ENOMEM. */
static int gz_grow_out(z_stream *zs, uint8_t **buf, size_t *cap, size_t used)
{
	size_t ncap = *cap * 2;
	uint8_t *n;

	if (ncap < *cap)
		return -ENOMEM;
	n = realloc(*buf, ncap);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = ncap;
	zs->next_out = n + used;
	zs->avail_out = ncap - used > GZ_CHUNK_MAX ? UINT_MAX : (uInt)(ncap - used);
	return 0;
}

/* Gives zs the next piece of in[*pos..n) when it has consumed the last one. */
static void gz_feed(z_stream *zs, const uint8_t *in, size_t n, size_t *pos)
{
	size_t take;

	if (zs->avail_in || *pos >= n)
		return;
	take = n - *pos > GZ_CHUNK_MAX ? GZ_CHUNK_MAX : n - *pos;
	zs->next_in = (Bytef *)(in + *pos);
	zs->avail_in = take;
	*pos += take;
}

int gz_compress(const void *in, size_t n, uint8_t **out, size_t *out_n)
{
	z_stream zs;
	uint8_t *buf;
	size_t cap, pos = 0;
	int ret, err = 0;

	memset(&zs, 0, sizeof(zs));
	/* 16 + MAX_WBITS: a gzip header and trailer instead of zlib's. */
	ret = deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8,
			   Z_DEFAULT_STRATEGY);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	cap = n > GZ_CHUNK_MAX ? n / 2 + 64 : deflateBound(&zs, n);
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out_end;
	}
	zs.next_out = buf;
	zs.avail_out = cap > GZ_CHUNK_MAX ? UINT_MAX : (uInt)cap;
	for (;;) {
		gz_feed(&zs, in, n, &pos);
		if (zs.avail_out == 0) {
			err = gz_grow_out(&zs, &buf, &cap, zs.total_out);
			if (err)
				goto out_buf;
		}
		ret = deflate(&zs, pos == n ? Z_FINISH : Z_NO_FLUSH);
		if (ret == Z_STREAM_END)
			break;
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			err = -EINVAL;
			goto out_buf;
		}
	}
	*out = buf;
	*out_n = zs.total_out;
	goto out_end;

out_buf:
	free(buf);
out_end:
	deflateEnd(&zs);
	return err;
}

/* Puts Go's words for zlib's complaint msg into err. */
static void gz_reason(const char *msg, char *err, size_t errlen)
{
	static const char *const header[] = {
		"incorrect header check", "unknown compression method",
		"unknown header flags set", "header crc mismatch",
	};
	size_t i;

	if (!err || !errlen)
		return;
	if (!msg)
		msg = "corrupt data";
	for (i = 0; i < sizeof(header) / sizeof(header[0]); i++) {
		if (strcmp(msg, header[i]) == 0) {
			snprintf(err, errlen, "gzip: invalid header");
			return;
		}
	}
	if (strcmp(msg, "incorrect data check") == 0 || strcmp(msg, "incorrect length check") == 0)
		snprintf(err, errlen, "gzip: invalid checksum");
	else
		snprintf(err, errlen, "flate: corrupt input (%s)", msg);
}

static int gz_copy(const void *in, size_t n, uint8_t **out, size_t *out_n)
{
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return -ENOMEM;
	if (n)
		memcpy(buf, in, n);
	*out = buf;
	*out_n = n;
	return 0;
}

int gz_decompress_err(const void *in, size_t n, uint8_t **out, size_t *out_n, char *err,
		      size_t errlen)
{
	const uint8_t *b = in;
	z_stream zs;
	uint8_t *buf;
	size_t cap, pos = 0, used;
	uInt before;
	int ret, rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (n < 2 || b[0] != 0x1f || b[1] != 0x8b)
		return gz_copy(in, n, out, out_n);
	memset(&zs, 0, sizeof(zs));
	ret = inflateInit2(&zs, 16 + MAX_WBITS);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	cap = n < SIZE_MAX / 8 - 4096 ? n * 4 + 4096 : n;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		goto out_end;
	}
	used = 0;
	zs.next_out = buf;
	zs.avail_out = cap > GZ_CHUNK_MAX ? UINT_MAX : (uInt)cap;
	for (;;) {
		gz_feed(&zs, b, n, &pos);
		if (zs.avail_out == 0) {
			rc = gz_grow_out(&zs, &buf, &cap, used);
			if (rc)
				goto out_buf;
		}
		before = zs.avail_out;
		ret = inflate(&zs, Z_NO_FLUSH);
		used += before - zs.avail_out;
		if (ret == Z_STREAM_END) {
			/* Go's gzip reader goes on with the next member, as zcat does. */
			if (zs.avail_in == 0 && pos == n)
				break;
			if (inflateReset(&zs) != Z_OK) {
				rc = -EINVAL;
				goto out_buf;
			}
			continue;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_BUF_ERROR && zs.avail_in == 0 && pos == n) {
			if (err && errlen)
				snprintf(err, errlen, "unexpected EOF");
			rc = -EINVAL;
			goto out_buf;
		}
		if (ret == Z_BUF_ERROR && (zs.avail_out == 0 || pos < n))
			continue;
		if (ret == Z_MEM_ERROR) {
			rc = -ENOMEM;
			goto out_buf;
		}
		gz_reason(zs.msg, err, errlen);
		rc = -EINVAL;
		goto out_buf;
	}
	*out = buf;
	*out_n = used;
	goto out_end;

out_buf:
	free(buf);
out_end:
	inflateEnd(&zs);
	return rc;
}

int gz_decompress(const void *in, size_t n, uint8_t **out, size_t *out_n)
{
	return gz_decompress_err(in, n, out, out_n, NULL, 0);
}

int gz_write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *b = buf;
	ssize_t w;

	while (n) {
		w = gz_write_fn(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno ? -errno : -EIO;
		}
		/* write(2) returns 0 only for n == 0; do not spin on a broken seam. */
		if (w == 0)
			return -EIO;
		if ((size_t)w > n)
			return -EIO;
		b += w;
		n -= w;
	}
	return 0;
}
