/*
 * cbor.c: encoder and cursor decoder for the doc/WIRE.md CBOR subset.
 *
 * The encoder always writes the shortest head (RFC 8949 §4.2.1).  The
 * decoder takes any width the subset allows and checks every length
 * against the bytes left before it reads.
 */
#include <string.h>
#include "cbor.h"
#include "utf8.h"

void cbor_enc_init(struct cbor_enc *e, uint8_t *buf, size_t cap)
{
	e->buf = buf;
	e->cap = buf ? cap : 0;
	e->len = 0;
	e->err = 0;
}

/* Append n bytes; in size-only mode, or once full, only count them. */
static void put_bytes(struct cbor_enc *e, const void *p, size_t n)
{
	if (e->buf && !e->err) {
		if (n > e->cap - e->len)
			e->err = WIRE_E_NOSPACE;
		else if (n)
			memcpy(e->buf + e->len, p, n);
	}
	e->len += n;
}

size_t cbor_head_len(uint64_t v)
{
	if (v < 24)
		return 1;
	if (v <= 0xff)
		return 2;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffffu)
		return 5;
	return 9;
}

/* Write a head in shortest form: initial byte then big-endian argument.
 * The common case (room in the buffer) stores the bytes directly. */
static void put_head(struct cbor_enc *e, unsigned major, uint64_t v)
{
	static const uint8_t ai[10] = { 0, 0, 24, 25, 0, 26, 0, 0, 0, 27 };
	size_t n = cbor_head_len(v), i;
	uint8_t b[9], *p = b;

	if (e->buf && !e->err && n <= e->cap - e->len)
		p = e->buf + e->len;
	if (n == 1) {
		p[0] = (uint8_t)(major << 5 | v);
	} else {
		p[0] = (uint8_t)(major << 5 | ai[n]);
		for (i = 1; i < n; i++)
			p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	}
	if (p == b)
		put_bytes(e, b, n);
	else
		e->len += n;
}

void cbor_put_uint(struct cbor_enc *e, uint64_t v)
{
	put_head(e, CBOR_UINT, v);
}

void cbor_put_text(struct cbor_enc *e, const char *s, size_t n)
{
	put_head(e, CBOR_TEXT, n);
	put_bytes(e, s, n);
}

void cbor_put_cstr(struct cbor_enc *e, const char *s)
{
	cbor_put_text(e, s, strlen(s));
}

void cbor_put_map(struct cbor_enc *e, uint64_t npairs)
{
	put_head(e, CBOR_MAP, npairs);
}

void cbor_dec_init(struct cbor_dec *d, const uint8_t *p, size_t n)
{
	d->p = p;
	d->n = n;
	d->pos = 0;
}

int cbor_get_head(struct cbor_dec *d, unsigned *major, uint64_t *arg)
{
	size_t left = d->n - d->pos, w, i;
	uint8_t ib;
	uint64_t v;

	if (left < 1)
		return WIRE_E_UNEXPECTED_EOF;
	ib = d->p[d->pos];
	*major = ib >> 5;
	if (*major != CBOR_UINT && *major != CBOR_TEXT && *major != CBOR_MAP)
		return WIRE_E_UNSUPPORTED_MAJOR;
	ib &= 0x1f;
	if (ib > 27)
		return WIRE_E_UNSUPPORTED_ADDITIONAL;
	w = ib < 24 ? 0 : (size_t)1 << (ib - 24);
	if (left < 1 + w)
		return WIRE_E_UNEXPECTED_EOF;
	v = ib < 24 ? ib : 0;
	for (i = 0; i < w; i++)
		v = v << 8 | d->p[d->pos + 1 + i];
	d->pos += 1 + w;
	*arg = v;
	return 0;
}

int cbor_peek_major(const struct cbor_dec *d)
{
	struct cbor_dec c = *d;
	unsigned major;
	uint64_t arg;
	int rc = cbor_get_head(&c, &major, &arg);

	return rc < 0 ? rc : (int)major;
}

/* Read a head and insist on one major; FieldType otherwise. */
static int get_typed(struct cbor_dec *d, unsigned want, uint64_t *arg)
{
	size_t save = d->pos;
	unsigned major;
	int rc = cbor_get_head(d, &major, arg);

	if (rc < 0)
		return rc;
	if (major != want) {
		d->pos = save;
		return WIRE_E_FIELD_TYPE;
	}
	return 0;
}

int cbor_get_uint(struct cbor_dec *d, uint64_t *v)
{
	return get_typed(d, CBOR_UINT, v);
}

int cbor_get_text(struct cbor_dec *d, const char **s, size_t *n)
{
	size_t save = d->pos;
	uint64_t len;
	int rc = get_typed(d, CBOR_TEXT, &len);

	if (rc < 0)
		return rc;
	if (len > d->n - d->pos) {
		d->pos = save;
		return WIRE_E_UNEXPECTED_EOF;
	}
	if (!utf8_valid(d->p + d->pos, (size_t)len)) {
		d->pos = save;
		return WIRE_E_INVALID_UTF8;
	}
	*s = (const char *)d->p + d->pos;
	*n = (size_t)len;
	d->pos += (size_t)len;
	return 0;
}

int cbor_get_map(struct cbor_dec *d, uint64_t *npairs)
{
	size_t save = d->pos;
	int rc = get_typed(d, CBOR_MAP, npairs);

	if (rc < 0)
		return rc;
	/* every pair needs at least two bytes: refuse absurd counts early */
	if (*npairs > (d->n - d->pos) / 2) {
		d->pos = save;
		return WIRE_E_UNEXPECTED_EOF;
	}
	return 0;
}

int cbor_skip(struct cbor_dec *d, int depth)
{
	const char *s;
	size_t n;
	uint64_t v, i;
	int rc, major = cbor_peek_major(d);

	if (major < 0)
		return major;
	if (major == CBOR_UINT)
		return cbor_get_uint(d, &v);
	if (major == CBOR_TEXT)
		return cbor_get_text(d, &s, &n);
	if (depth <= 0)
		return WIRE_E_FIELD_TYPE;
	rc = cbor_get_map(d, &v);
	for (i = 0; rc == 0 && i < 2 * v; i++)
		rc = cbor_skip(d, depth - 1);
	return rc;
}
