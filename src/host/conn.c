/*
 * conn.c: frame reassembly for one connection (see conn.h).
 *
 * Whole frames inside one read are decoded where they lie; only a frame
 * cut by the end of a read is copied, into the reader's own buffer, and
 * completed by the next reads.  Every decode error except FrameTooLarge
 * drops just that frame (doc/WIRE.md §3): the length prefix already told
 * where the next one starts.
 */
#include <string.h>
#include "conn.h"
#include "lib/bytes.h"
#include "wire/frame.h"

void conn_init(struct conn_rd *r)
{
	r->len = 0;
	r->dead = 0;
}

/* Decode one whole frame (prefix + body) and report it. */
static void deliver(const uint8_t *f, size_t body, struct event *scratch,
		    conn_frame_fn *fn, void *arg)
{
	int rc = frame_decode_body(f + WIRE_HDR_LEN, body, scratch, 0);

	fn(arg, rc, rc < 0 ? NULL : scratch, WIRE_HDR_LEN + body);
}

/* The stream cannot be trusted any more; hdr is the length prefix. */
static int too_large(struct conn_rd *r, const uint8_t *hdr,
		     conn_frame_fn *fn, void *arg)
{
	size_t n = WIRE_HDR_LEN + (size_t)le32_get(hdr);

	r->dead = 1;
	r->len = 0;
	fn(arg, WIRE_E_FRAME_TOO_LARGE, NULL, n);
	return WIRE_E_FRAME_TOO_LARGE;
}

/* Complete the partial frame in r->buf from p; returns the bytes taken,
 * or -1 after FrameTooLarge. */
static long complete(struct conn_rd *r, const uint8_t *p, size_t n,
		     struct event *scratch, conn_frame_fn *fn, void *arg)
{
	size_t take, body, used = 0;

	if (r->len < WIRE_HDR_LEN) {
		take = WIRE_HDR_LEN - r->len < n ? WIRE_HDR_LEN - r->len : n;
		memcpy(r->buf + r->len, p, take);
		r->len += (uint32_t)take;
		used = take;
		if (r->len < WIRE_HDR_LEN)
			return (long)used;
	}
	if (frame_peek(r->buf, r->len, &body) < 0) {
		too_large(r, r->buf, fn, arg);
		return -1;
	}
	take = WIRE_HDR_LEN + body - r->len;
	if (take > n - used)
		take = n - used;
	memcpy(r->buf + r->len, p + used, take);
	r->len += (uint32_t)take;
	used += take;
	if (r->len == WIRE_HDR_LEN + body) {
		r->len = 0;
		deliver(r->buf, body, scratch, fn, arg);
	}
	return (long)used;
}

int conn_feed(struct conn_rd *r, const uint8_t *p, size_t n,
	      struct event *scratch, conn_frame_fn *fn, void *arg)
{
	size_t body;
	long used;
	int rc;

	if (r->dead)
		return WIRE_E_FRAME_TOO_LARGE;
	if (r->len > 0) {
		if ((used = complete(r, p, n, scratch, fn, arg)) < 0)
			return WIRE_E_FRAME_TOO_LARGE;
		p += used;
		n -= (size_t)used;
	}
	while (n > 0) {
		rc = frame_peek(p, n, &body);
		if (rc == WIRE_E_FRAME_TOO_LARGE)
			return too_large(r, p, fn, arg);
		if (rc < 0 || n < WIRE_HDR_LEN + body) {
			memcpy(r->buf, p, n);	/* n < WIRE_MAX_FRAME here */
			r->len = (uint32_t)n;
			return 0;
		}
		deliver(p, body, scratch, fn, arg);
		p += WIRE_HDR_LEN + body;
		n -= WIRE_HDR_LEN + body;
	}
	return 0;
}

int conn_end(struct conn_rd *r, conn_frame_fn *fn, void *arg)
{
	int err;

	if (r->dead || r->len == 0)
		return 0;
	err = r->len < WIRE_HDR_LEN ? WIRE_E_SHORT_HEADER :
		WIRE_E_FRAME_TRUNCATED;
	fn(arg, err, NULL, r->len);
	r->len = 0;
	return err;
}
