/*
 * ring.h: the agent's ring of encoded frames (doc/DESIGN.md §3 "Data path").
 *
 * A pure data structure over a buffer the caller owns and sizes once.
 * Frames go in whole, each numbered by the next seq; bytes come out
 * through iovecs for writev, straight from the buffer.  Positions are
 * absolute byte offsets (they only grow), so
 *
 *	tail <= wr_start <= wr <= head
 *
 * [tail, wr_start) frames written and waiting for an ack (only once the
 * host has acked something), [wr_start, wr) the written part of the frame
 * in flight, [wr, head) bytes not yet written.  When a new frame does not
 * fit, the oldest frames go, each counted exactly once:
 *
 * - written and unacked on a live connection: delivered (the kernel took
 *   the bytes; doc/WIRE.md §5 v1.0 rule), counted in `sent`;
 * - partly written: its remaining bytes move to `carry` so the stream
 *   stays whole; delivered when the carry is written, lost if the
 *   connection drops first;
 * - not written: lost, counted in `lost` and in the pending loss range
 *   that the transport announces (agent.loss) before the next frame.
 *
 * So at any time: head_seq == sent + lost + frames in the ring (+1 while
 * a carry is in flight).  Whenever the ring is empty the next frame goes
 * to the start of the buffer again (`base`): a quiet agent keeps writing
 * its first pages, and only a backlog makes more of the buffer resident.
 * Nothing here does I/O or allocates.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "lib/caps.h"

/* A range of seqs: [first, first + count). */
struct ring_range {
	uint64_t first;
	uint64_t count;
};

struct ring {
	uint8_t *buf;
	size_t cap;
	uint64_t tail, wr_start, wr, head;	/* absolute byte offsets */
	uint64_t base;			/* the offset at buf[0] (mod cap) */
	uint64_t tail_seq, wr_seq, head_seq;	/* seq of the frame at each */
	int acking;			/* the host has acked: keep until acked */
	uint64_t sent;			/* frames delivered */
	uint64_t lost;			/* frames overwritten before delivery */
	uint64_t hwm;			/* most bytes ever held */
	struct ring_range pend;		/* lost, not yet announced */
	uint64_t carry_seq;
	size_t carry_len, carry_off;
	uint8_t carry[WIRE_MAX_FRAME];
};

/* Use buf[0..cap) as the ring; cap must hold a few of the largest frames. */
void ring_init(struct ring *r, uint8_t *buf, size_t cap);

/* The seq the next pushed frame gets (the caller encodes it first). */
uint64_t ring_next_seq(const struct ring *r);

/* Append one whole frame, overwriting the oldest ones when full.
 * Returns 0, or -1 when len is no frame this ring can take. */
int ring_push(struct ring *r, const uint8_t *frame, size_t len);

/* The bytes to write next, in order, into at most 3 iovecs: the carry,
 * then ring bytes unless a loss must be announced first.  Returns the
 * number of iovecs (0: nothing the ring can send now). */
int ring_iov(const struct ring *r, struct iovec iov[3]);

/* n bytes of what ring_iov gave were written. */
void ring_consume(struct ring *r, size_t n);

/* Of *n bytes written, take those a partly written frame [*off, len)
 * still wanted (ring_consume's carry, the transport's own frame).
 * Returns 1 when the frame is now whole, 0 when *n ran out first. */
static inline int ring_span_take(size_t *off, size_t len, size_t *n)
{
	size_t k = len - *off < *n ? len - *off : *n;

	*off += k;
	*n -= k;
	return *off == len;
}

/* A loss to announce before the next ring byte; 0 when none (or while the
 * carry must finish first). */
int ring_pending_loss(const struct ring *r, struct ring_range *out);

/* The first `count` frames of the pending loss were announced. */
void ring_loss_done(struct ring *r, uint64_t count);

/* The host has every frame with seq <= seq (doc/WIRE.md §5). */
void ring_ack(struct ring *r, uint64_t seq);

/* The connection is gone: what it did not deliver goes out again on the
 * next one (an unfinished carry is lost). */
void ring_rewind(struct ring *r);

/* Drop every frame now (shutdown): the same accounting as overwriting. */
void ring_evict_all(struct ring *r);

/* Bytes held in the ring. */
size_t ring_used(const struct ring *r);

/* 1 when nothing is left to write (the ring may still wait for acks). */
int ring_idle(const struct ring *r);

/* 1 when every frame pushed was delivered or counted lost. */
int ring_empty(const struct ring *r);
