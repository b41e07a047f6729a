/*
 * ring.c: the ring of encoded frames of ring.h.
 *
 * Frames wrap around the end of the buffer byte by byte; their 4-byte
 * length prefix (doc/WIRE.md §2) is how the ring finds the next frame, so it
 * keeps no per-frame table.  It trusts its own bytes: only ring_push
 * writes them.  No I/O, no allocation, no clock.
 */
#include <string.h>
#include "lib/bytes.h"
#include "ring.h"

void ring_init(struct ring *r, uint8_t *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->cap = cap;
}

uint64_t ring_next_seq(const struct ring *r)
{
	return r->head_seq;
}

/* Where absolute offset off is in the buffer. */
static size_t at_of(const struct ring *r, uint64_t off)
{
	return (size_t)((off - r->base) % r->cap);
}

/* Copy n bytes out of the ring from absolute offset off. */
static void ring_read(const struct ring *r, uint64_t off, uint8_t *out,
		      size_t n)
{
	size_t at = at_of(r, off), first = r->cap - at;

	if (first >= n) {
		memcpy(out, r->buf + at, n);
	} else {
		memcpy(out, r->buf + at, first);
		memcpy(out + first, r->buf, n - first);
	}
}

/* The whole length (prefix included) of the frame at offset off. */
static size_t frame_at(const struct ring *r, uint64_t off)
{
	uint8_t h[WIRE_HDR_LEN];

	ring_read(r, off, h, sizeof(h));
	return WIRE_HDR_LEN + (size_t)le32_get(h);
}

/* Add the frame at the tail to the lost range (which ends at the tail). */
static void lose_tail_seq(struct ring *r, uint64_t seq)
{
	if (r->pend.count == 0)
		r->pend.first = seq;
	r->pend.count++;
	r->lost++;
}

/* Make the frame at the tail go: delivered, carried or lost. */
static void evict_one(struct ring *r)
{
	size_t len = frame_at(r, r->tail);

	if (r->tail < r->wr_start) {
		r->sent++;			/* written, unacked, live */
	} else if (r->wr > r->tail) {
		/* in flight: keep its unwritten bytes so the frame ends */
		r->carry_len = (size_t)(r->tail + len - r->wr);
		r->carry_off = 0;
		r->carry_seq = r->tail_seq;
		ring_read(r, r->wr, r->carry, r->carry_len);
	} else {
		lose_tail_seq(r, r->tail_seq);
	}
	r->tail += len;
	r->tail_seq++;
	if (r->wr_start < r->tail) {
		r->wr_start = r->wr = r->tail;
		r->wr_seq = r->tail_seq;
	}
}

int ring_push(struct ring *r, const uint8_t *frame, size_t len)
{
	size_t at, first;

	if (len < WIRE_HDR_LEN || len > WIRE_MAX_FRAME || len > r->cap ||
	    le32_get(frame) != len - WIRE_HDR_LEN)
		return -1;
	while (r->cap - (size_t)(r->head - r->tail) < len)
		evict_one(r);
	if (r->tail == r->head)
		r->base = r->head;	/* empty: back to the first pages */
	at = at_of(r, r->head);
	first = r->cap - at;
	if (first >= len) {
		memcpy(r->buf + at, frame, len);
	} else {
		memcpy(r->buf + at, frame, first);
		memcpy(r->buf, frame + first, len - first);
	}
	r->head += len;
	r->head_seq++;
	if (r->head - r->tail > r->hwm)
		r->hwm = r->head - r->tail;
	return 0;
}

int ring_iov(const struct ring *r, struct iovec iov[3])
{
	size_t at, len;
	int n = 0;

	if (r->carry_off < r->carry_len) {
		iov[n].iov_base = (void *)(r->carry + r->carry_off);
		iov[n++].iov_len = r->carry_len - r->carry_off;
	}
	if (r->pend.count || r->wr == r->head)
		return n;
	at = at_of(r, r->wr);
	len = (size_t)(r->head - r->wr);
	if (at + len > r->cap) {
		iov[n].iov_base = r->buf + at;
		iov[n++].iov_len = r->cap - at;
		len -= r->cap - at;
		at = 0;
	}
	iov[n].iov_base = r->buf + at;
	iov[n++].iov_len = len;
	return n;
}

/* Move wr_start over every frame now fully written; without acks such a
 * frame is delivered and leaves the ring. */
static void complete_frames(struct ring *r)
{
	size_t len;

	while (r->wr_start < r->wr) {
		len = frame_at(r, r->wr_start);
		if (r->wr_start + len > r->wr)
			break;
		r->wr_start += len;
		r->wr_seq++;
		if (!r->acking) {
			r->tail = r->wr_start;
			r->tail_seq = r->wr_seq;
			r->sent++;
		}
	}
}

void ring_consume(struct ring *r, size_t n)
{
	if (r->carry_off < r->carry_len) {
		if (!ring_span_take(&r->carry_off, r->carry_len, &n))
			return;
		r->carry_off = r->carry_len = 0;
		r->sent++;
	}
	if (n > r->head - r->wr)
		n = (size_t)(r->head - r->wr);
	r->wr += n;
	complete_frames(r);
}

int ring_pending_loss(const struct ring *r, struct ring_range *out)
{
	if (r->pend.count == 0 || r->carry_off < r->carry_len)
		return 0;
	*out = r->pend;
	return 1;
}

void ring_loss_done(struct ring *r, uint64_t count)
{
	if (count > r->pend.count)
		count = r->pend.count;
	r->pend.first += count;
	r->pend.count -= count;
}

void ring_ack(struct ring *r, uint64_t seq)
{
	r->acking = 1;
	while (r->tail < r->wr_start && r->tail_seq <= seq) {
		r->tail += frame_at(r, r->tail);
		r->tail_seq++;
		r->sent++;
	}
}

void ring_rewind(struct ring *r)
{
	if (r->carry_off < r->carry_len) {
		/* the frame's end never reached the host: lost, and it sits
		 * right before the pending range (or the tail) */
		if (r->pend.count) {
			r->pend.first--;
			r->pend.count++;
			r->lost++;
		} else {
			lose_tail_seq(r, r->carry_seq);
		}
		r->carry_off = r->carry_len = 0;
	}
	r->wr_start = r->wr = r->tail;
	r->wr_seq = r->tail_seq;
}

void ring_evict_all(struct ring *r)
{
	while (r->tail < r->head)
		evict_one(r);
}

size_t ring_used(const struct ring *r)
{
	return (size_t)(r->head - r->tail);
}

int ring_idle(const struct ring *r)
{
	return r->carry_off == r->carry_len && r->pend.count == 0 &&
	       r->wr == r->head;
}

int ring_empty(const struct ring *r)
{
	return ring_idle(r) && r->tail == r->head;
}
