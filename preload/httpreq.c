/*
 * httpreq.c: the HTTP/1.x request parser (httpreq.h). Strict where Go's net/http is
 * strict (request line, header names, Host, transfer codings), bounded everywhere (the
 * caller's limits, 4 KiB chunk lines), and free of state outside the caller's structs.
 * The server (http.c) feeds it what arrives; the fuzzer (tests/fuzz/) feeds it anything.
 */
#include <errno.h>
#include <string.h>

#include "httpreq.h"

#define LINE_MAX_CHUNK 4096	/* Go's maxLineLength for chunk size and trailer lines */

static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	size_t i = 0;

	for (; i < n && lit[i]; i++) {
		char a = s[i], b = lit[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return i == n && !lit[i];
}

static int fail(struct httpreq *r, int status, const char *why)
{
	r->error = why;
	return -status;
}

/* Where the head ends (after its blank line) in buf[0..len), or 0 if it does not yet. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static int request_line(const char *s, size_t n, struct httpreq *r)
{
	const char *sp1 = memchr(s, ' ', n), *sp2, *v;
	size_t vlen;

	if (!sp1 || sp1 == s)
		return fail(r, 400, "malformed HTTP request");
	for (const char *c = s; c < sp1; c++)
		if (!is_tchar((unsigned char)*c))
			return fail(r, 400, "invalid method");
	sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s));
	if (!sp2 || sp2 == sp1 + 1)
		return fail(r, 400, "malformed HTTP request");
	for (const char *c = sp1 + 1; c < sp2; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f)
			return fail(r, 400, "invalid control character in URL");
	r->method = s;
	r->method_len = (size_t)(sp1 - s);
	r->target = sp1 + 1;
	r->target_len = (size_t)(sp2 - sp1 - 1);
	v = sp2 + 1;
	vlen = n - (size_t)(v - s);
	if (vlen != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' || hexval((unsigned char)v[5]) < 0 ||
	    hexval((unsigned char)v[7]) < 0 || v[5] > '9' || v[7] > '9')
		return fail(r, 400, "malformed HTTP version");
	if (v[5] != '1')
		return fail(r, 505, "unsupported protocol version");
	r->minor = v[7] == '0' ? 0 : 1;
	return 0;
}

static int parse_length(const char *v, size_t n, int64_t *out)
{
	int64_t x = 0;

	if (!n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (INT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

/* One "Name: value" line; counts what must not repeat. */
static int header(const char *s, size_t n, struct httpreq *r, int *hosts, int *encodings)
{
	const char *colon = memchr(s, ':', n), *v, *e;
	size_t name_len;
	int64_t len;

	if (s[0] == ' ' || s[0] == '\t')
		return fail(r, 400, "malformed MIME header: obsolete line folding");
	if (!colon || colon == s)
		return fail(r, 400, "malformed MIME header line");
	name_len = (size_t)(colon - s);
	for (size_t i = 0; i < name_len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return fail(r, 400, "invalid header name");
	v = colon + 1;
	e = s + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (const char *c = v; c < e; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
			return fail(r, 400, "invalid header value");
	if (ieq(s, name_len, "host")) {
		if (++*hosts > 1)
			return fail(r, 400, "too many Host headers");
	} else if (ieq(s, name_len, "content-length")) {
		if (parse_length(v, (size_t)(e - v), &len) < 0)
			return fail(r, 400, "bad Content-Length");
		if (r->content_length >= 0 && r->content_length != len)
			return fail(r, 400, "message cannot contain multiple Content-Length headers");
		r->content_length = len;
	} else if (ieq(s, name_len, "transfer-encoding")) {
		if (++*encodings > 1)
			return fail(r, 501, "too many transfer encodings");
		if (!ieq(v, (size_t)(e - v), "chunked"))
			return fail(r, 501, "Unsupported transfer encoding");
		r->chunked = true;
	} else if (ieq(s, name_len, "expect")) {
		if (!ieq(v, (size_t)(e - v), "100-continue") && e > v)
			return fail(r, 417, "Expectation Failed");
		r->expect_continue = e > v;
	} else if (ieq(s, name_len, "content-type")) {
		r->content_type = v;
		r->content_type_len = (size_t)(e - v);
	}
	return 0;
}

int httpreq_parse_head(const char *buf, size_t len, size_t max, struct httpreq *r)
{
	size_t end = head_end(buf, len < max ? len : max), pos = 0;
	int hosts = 0, encodings = 0, rc;
	bool first = true;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if (!end)
		return len >= max ? fail(r, 431, "Request Header Fields Too Large") : 0;
	while (pos < end) {
		const char *nl = memchr(buf + pos, '\n', end - pos);
		size_t n = (size_t)(nl - (buf + pos));

		if (n && buf[pos + n - 1] == '\r')
			n--;
		if (memchr(buf + pos, '\r', n) || memchr(buf + pos, '\0', n))
			return fail(r, 400, "malformed HTTP request");
		if (first) {
			rc = request_line(buf + pos, n, r);
			first = false;
		} else if (n) {
			rc = header(buf + pos, n, r, &hosts, &encodings);
		} else {
			rc = 0;
		}
		if (rc < 0)
			return rc;
		pos += (size_t)(nl - (buf + pos)) + 1;
	}
	if (r->minor >= 1 && hosts == 0)
		return fail(r, 400, "missing required Host header");
	/* Go ignores Transfer-Encoding in HTTP/1.0 requests (Go issue 12785). */
	if (r->minor == 0)
		r->chunked = false;
	if (r->chunked)
		r->content_length = -1;
	return (int)end;
}

/* --- chunked bodies ------------------------------------------------------------------- */

enum { CH_SIZE0, CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_END, CH_DATA_LF, CH_TRAILER,
       CH_TRAILER_LINE, CH_TRAILER_LF, CH_LAST_LF };

long httpreq_chunks_feed(struct httpreq_chunks *c, const char *in, size_t n, char *out,
			 size_t *out_len, size_t max)
{
	size_t i = 0;

	while (i < n && !c->done) {
		unsigned char ch = (unsigned char)in[i];
		int h;

		switch (c->state) {
		case CH_SIZE0:
		case CH_SIZE:
			h = hexval(ch);
			if (h >= 0) {
				if (c->remain > (UINT64_MAX >> 4))
					return -400;
				c->remain = c->remain << 4 | (uint64_t)h;
				c->state = CH_SIZE;
			} else if (c->state == CH_SIZE && (ch == ';' || ch == ' ' || ch == '\t')) {
				c->state = CH_EXT;
			} else if (c->state == CH_SIZE && ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (c->state == CH_SIZE && ch == '\n') {
				c->state = c->remain ? CH_DATA : CH_TRAILER;
				c->line_len = 0;
			} else {
				return -400;
			}
			if (++c->line_len > LINE_MAX_CHUNK)
				return -400;
			i++;
			break;
		case CH_EXT:
			if (ch == '\n') {
				c->state = c->remain ? CH_DATA : CH_TRAILER;
				c->line_len = 0;
			} else if (++c->line_len > LINE_MAX_CHUNK || ch == '\0') {
				return -400;
			}
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -400;
			c->state = c->remain ? CH_DATA : CH_TRAILER;
			c->line_len = 0;
			i++;
			break;
		case CH_DATA: {
			size_t take = n - i;

			if (take > c->remain)
				take = (size_t)c->remain;
			if (take > max - *out_len)
				return -413;
			memcpy(out + *out_len, in + i, take);
			*out_len += take;
			c->remain -= take;
			i += take;
			if (!c->remain)
				c->state = CH_DATA_END;
			break;
		}
		case CH_DATA_END:
			if (ch == '\r')
				c->state = CH_DATA_LF;
			else if (ch == '\n')
				c->state = CH_SIZE0;
			else
				return -400;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -400;
			c->state = CH_SIZE0;
			i++;
			break;
		case CH_TRAILER:
			if (ch == '\r') {
				c->state = CH_LAST_LF;
			} else if (ch == '\n') {
				c->done = true;
			} else {
				c->state = CH_TRAILER_LINE;
				c->line_len = 1;
			}
			i++;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\n')
				c->state = CH_TRAILER;
			else if (++c->line_len > LINE_MAX_CHUNK)
				return -400;
			i++;
			break;
		case CH_LAST_LF:
			if (ch != '\n')
				return -400;
			c->done = true;
			i++;
			break;
		default:
			return -400;
		}
	}
	return (long)i;
}

/* --- targets, paths and queries ----------------------------------------------------------- */

int httpreq_path(const struct httpreq *r, char *path, size_t max, const char **query,
		 size_t *query_len)
{
	const char *t = r->target, *end = r->target + r->target_len, *q;
	size_t n = 0;

	*query = NULL;
	*query_len = 0;
	if (t == end || !max)
		return -400;
	if (*t != '/') {
		/* Absolute form: scheme "://" authority, then the path. */
		const char *c = t;

		while (c < end && ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				   (c > t && ((*c >= '0' && *c <= '9') || *c == '+' || *c == '-' ||
					      *c == '.'))))
			c++;
		if (c == t || end - c < 3 || memcmp(c, "://", 3))
			return -400;
		c += 3;
		while (c < end && *c != '/' && *c != '?')
			c++;
		t = c;
	}
	for (q = t; q < end && *q != '?'; q++)
		;
	if (q == end)
		q = NULL;
	if (q) {
		*query = q + 1;
		*query_len = (size_t)(end - q - 1);
		end = q;
	}
	for (const char *c = t; c < end; c++) {
		char ch = *c;

		if (ch == '%') {
			int hi, lo;

			if (end - c < 3)
				return -400;
			hi = hexval((unsigned char)c[1]);
			lo = hexval((unsigned char)c[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -400;
			ch = (char)(hi << 4 | lo);
			c += 2;
		}
		if (n + 1 >= max)
			return -400;
		path[n++] = ch;
	}
	path[n] = 0;
	return 0;
}

bool httpreq_clean_path(const char *p, char *out, size_t max)
{
	size_t n = 0, len = strlen(p), i = 0;

	/* "/" + p + "/" is the longest the result can be. */
	if (len + 3 > max) {
		if (max) {
			size_t k = len < max - 1 ? len : max - 1;

			memcpy(out, p, k);
			out[k] = 0;
		}
		return false;
	}
	out[n++] = '/';
	while (i < len) {
		size_t j = i;

		while (j < len && p[j] != '/')
			j++;
		if (j == i || (j - i == 1 && p[i] == '.')) {
			/* an empty element or "." */
		} else if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			while (n > 1 && out[n - 1] != '/')
				n--;
			if (n > 1)
				n--;
		} else {
			if (n > 1)
				out[n++] = '/';
			memcpy(out + n, p + i, j - i);
			n += j - i;
		}
		i = j + 1;
	}
	if (len && p[len - 1] == '/' && n > 1)
		out[n++] = '/';
	out[n] = 0;
	return strcmp(out, p) != 0;
}

/* Go's QueryUnescape of s[0..n) into out[0..max); false on a bad escape. */
static bool query_unescape(const char *s, size_t n, char *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '%') {
			int hi, lo;

			if (n - i < 3)
				return false;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			ch = (char)(hi << 4 | lo);
			i += 2;
		} else if (ch == '+') {
			ch = ' ';
		}
		if (k + 1 < max)
			out[k++] = ch;
	}
	if (max)
		out[k] = 0;
	return true;
}

bool httpreq_form_value(const char *s, size_t len, const char *key, char *out, size_t max)
{
	const char *end = s + len;
	char k[64];

	while (s && s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s)), *pend = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(pend - s));
		const char *kend = eq ? eq : pend;

		if (pend > s && !memchr(s, ';', (size_t)(pend - s)) &&
		    query_unescape(s, (size_t)(kend - s), k, sizeof(k)) && !strcmp(k, key) &&
		    (size_t)(kend - s) < sizeof(k) &&
		    query_unescape(eq ? eq + 1 : pend, eq ? (size_t)(pend - eq - 1) : 0, out, max))
			return true;
		s = amp ? amp + 1 : end;
	}
	return false;
}

bool httpreq_is_form(const struct httpreq *r)
{
	static const char form[] = "application/x-www-form-urlencoded";
	const char *v = r->content_type, *e;

	if (!v)
		return false;
	e = memchr(v, ';', r->content_type_len);
	if (!e)
		e = v + r->content_type_len;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return ieq(v, (size_t)(e - v), form);
}

bool httpreq_escape_path(const char *p, char *out, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		bool keep = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || strchr("-._~$&+,/:;=@", c);

		if (n + (keep ? 1 : 3) >= max)
			return false;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	if (!max)
		return false;
	out[n] = 0;
	return true;
}
