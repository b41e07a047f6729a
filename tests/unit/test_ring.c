/*
 * test_ring.c: the ring of encoded frames (src/agent/ring.c).
 *
 * Scripted cases pin each rule (order, wrap, overwrite-oldest, carry of a
 * half-written frame, acks, replay after rewind); a randomized run with a
 * simulated receiver checks the accounting identity after every step and,
 * at the end, that every seq was received or announced lost, exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "agent/ring.h"

#define CAP 4096
#define BIG (WIRE_MAX_FRAME * 20)

static uint8_t rbuf[BIG];
static struct ring R;

/* A test frame: prefix, 8-byte seq, then `fill` bytes of (seq & 0xff). */
static size_t mkframe(uint8_t *out, uint64_t seq, size_t fill)
{
	size_t body = 8 + fill, i;

	out[0] = (uint8_t)body;
	out[1] = (uint8_t)(body >> 8);
	out[2] = out[3] = 0;
	for (i = 0; i < 8; i++)
		out[4 + i] = (uint8_t)(seq >> (8 * i));
	memset(out + 12, (int)(seq & 0xff), fill);
	return WIRE_HDR_LEN + body;
}

static void push(struct ring *r, size_t fill)
{
	uint8_t f[WIRE_MAX_FRAME];
	size_t n = mkframe(f, ring_next_seq(r), fill);

	assert_int_equal(ring_push(r, f, n), 0);
}

/* Inflight frames: in the ring, plus the carry. */
static uint64_t inflight(const struct ring *r)
{
	return r->head_seq - r->tail_seq + (r->carry_off < r->carry_len);
}

static void identity(const struct ring *r)
{
	assert_int_equal(r->head_seq, r->sent + r->lost + inflight(r));
	assert_true(r->tail <= r->wr_start && r->wr_start <= r->wr &&
		    r->wr <= r->head);
	assert_true(r->head - r->tail <= r->cap);
}

/* Write up to `max` bytes of what the ring offers into out; returns n. */
static size_t drain(struct ring *r, uint8_t *out, size_t max)
{
	struct iovec iov[3];
	int n = ring_iov(r, iov), i;
	size_t got = 0, k;

	for (i = 0; i < n && got < max; i++) {
		k = iov[i].iov_len < max - got ? iov[i].iov_len : max - got;
		memcpy(out + got, iov[i].iov_base, k);
		got += k;
	}
	ring_consume(r, got);
	identity(r);
	return got;
}

/* Parse whole frames of a stream; returns their seqs into seqs[]. */
static size_t parse(const uint8_t *s, size_t n, uint64_t *seqs)
{
	size_t off = 0, body, k = 0, i;
	uint64_t seq;

	while (n - off >= WIRE_HDR_LEN) {
		body = (size_t)s[off] | (size_t)s[off + 1] << 8;
		if (n - off - WIRE_HDR_LEN < body)
			break;
		for (seq = 0, i = 0; i < 8; i++)
			seq |= (uint64_t)s[off + 4 + i] << (8 * i);
		for (i = 8; i < body; i++)
			assert_int_equal(s[off + 4 + i], seq & 0xff);
		seqs[k++] = seq;
		off += WIRE_HDR_LEN + body;
	}
	return k;
}

static uint8_t stream[1 << 20];
static uint64_t seqs[1 << 16];

static void order_and_bytes(void **state)
{
	size_t n, k, i;

	(void)state;
	ring_init(&R, rbuf, CAP);
	assert_int_equal(ring_next_seq(&R), 0);
	for (i = 0; i < 10; i++)
		push(&R, 10 + i);
	identity(&R);
	assert_false(ring_idle(&R));
	n = drain(&R, stream, sizeof(stream));
	k = parse(stream, n, seqs);
	assert_int_equal(k, 10);
	for (i = 0; i < k; i++)
		assert_int_equal(seqs[i], i);
	assert_int_equal(R.sent, 10);
	assert_true(ring_empty(&R));
	assert_int_equal(ring_used(&R), 0);
}

static void rejects_bad_frames(void **state)
{
	uint8_t f[WIRE_MAX_FRAME + 8];
	size_t n;

	(void)state;
	ring_init(&R, rbuf, CAP);
	n = mkframe(f, 0, 4);
	f[0]++;				/* prefix disagrees with length */
	assert_int_equal(ring_push(&R, f, n), -1);
	assert_int_equal(ring_push(&R, f, 3), -1);
	ring_init(&R, rbuf, 64);
	n = mkframe(f, 0, 100);		/* larger than the ring */
	assert_int_equal(ring_push(&R, f, n), -1);
	assert_int_equal(ring_next_seq(&R), 0);
}

static void wraps_in_two_iovecs(void **state)
{
	struct iovec iov[3];
	size_t n, k, i;

	(void)state;
	ring_init(&R, rbuf, 100);
	push(&R, 20);			/* 32 bytes: 0..32 */
	push(&R, 20);			/* 32..64 */
	drain(&R, stream, 32);		/* the first goes; the ring holds one */
	push(&R, 50);			/* 62 bytes: 64..126 wraps at 100 */
	assert_int_equal(ring_iov(&R, iov), 2);
	assert_int_equal(iov[0].iov_len, 68);
	assert_int_equal(iov[1].iov_len, 26);
	n = drain(&R, stream, sizeof(stream));
	k = parse(stream, n, seqs);
	assert_int_equal(k, 2);
	assert_int_equal(seqs[0], 1);
	assert_int_equal(seqs[1], 2);
	for (i = 0; i < 3; i++)
		push(&R, 8);
	identity(&R);
}

/* Once empty, the ring writes its next frame at the start of the buffer
 * again: a quiet agent touches only its first pages.  Not while a frame
 * waits for an ack. */
static void empty_ring_starts_over(void **state)
{
	int i;

	(void)state;
	ring_init(&R, rbuf, 4096);
	for (i = 0; i < 100; i++) {
		push(&R, 100);
		assert_int_equal(rbuf[0], 108);		/* its prefix, at 0 */
		assert_int_equal(rbuf[4], (uint8_t)i);	/* its seq */
		drain(&R, stream, sizeof(stream));
		assert_true(ring_empty(&R));
	}
	assert_int_equal(R.hwm, 112);
	ring_ack(&R, 98);		/* the host acks: frames wait for it */
	push(&R, 100);			/* seq 100, at 0: the ring was empty */
	drain(&R, stream, sizeof(stream));
	push(&R, 100);			/* seq 101 after it: 100 is unacked */
	assert_int_equal(rbuf[112], 108);
	assert_int_equal(rbuf[112 + 4], 101);
	ring_ack(&R, 100);
	drain(&R, stream, sizeof(stream));
	ring_ack(&R, 101);
	assert_true(ring_empty(&R));
	push(&R, 100);
	assert_int_equal(rbuf[4], 102);		/* empty again: back to 0 */
	identity(&R);
}

static void overwrite_counts_exact_range(void **state)
{
	struct ring_range lr;
	struct iovec iov[3];
	size_t n, k;

	(void)state;
	ring_init(&R, rbuf, 1000);
	for (k = 0; k < 100; k++)	/* 100 frames of 100 bytes */
		push(&R, 88);
	identity(&R);
	assert_int_equal(R.lost, 90);
	assert_int_equal(R.tail_seq, 90);
	assert_true(ring_pending_loss(&R, &lr));
	assert_int_equal(lr.first, 0);
	assert_int_equal(lr.count, 90);
	assert_int_equal(ring_iov(&R, iov), 0);	/* loss goes first */
	ring_loss_done(&R, 40);
	assert_true(ring_pending_loss(&R, &lr));
	assert_int_equal(lr.first, 40);
	assert_int_equal(lr.count, 50);
	push(&R, 88);			/* one more lost: range grows */
	assert_true(ring_pending_loss(&R, &lr));
	assert_int_equal(lr.count, 51);
	ring_loss_done(&R, 51);
	assert_false(ring_pending_loss(&R, &lr));
	n = drain(&R, stream, sizeof(stream));
	k = parse(stream, n, seqs);
	assert_int_equal(k, 10);
	assert_int_equal(seqs[0], 91);
	assert_int_equal(seqs[9], 100);
	assert_int_equal(R.hwm, 1000);
}

static void half_written_frame_is_carried(void **state)
{
	struct ring_range lr;
	size_t n, k;

	(void)state;
	ring_init(&R, rbuf, 1000);
	for (k = 0; k < 10; k++)
		push(&R, 88);
	n = drain(&R, stream, 150);	/* frame 0 whole, frame 1 half */
	assert_int_equal(R.sent, 1);
	push(&R, 88);			/* takes frame 0's room */
	assert_int_equal(R.carry_len, 0);
	push(&R, 88);			/* evicts frame 1: carried */
	assert_int_equal(R.carry_len, 50);
	assert_int_equal(R.carry_seq, 1);
	assert_int_equal(R.lost, 0);
	push(&R, 88);			/* evicts frame 2: lost */
	assert_int_equal(R.lost, 1);
	assert_false(ring_pending_loss(&R, &lr));	/* carry first */
	n += drain(&R, stream + n, 20);
	assert_false(ring_pending_loss(&R, &lr));
	n += drain(&R, stream + n, 30);	/* carry done, frame 1 whole */
	assert_int_equal(R.sent, 2);
	assert_true(ring_pending_loss(&R, &lr));
	assert_int_equal(lr.first, 2);
	assert_int_equal(lr.count, 1);
	ring_loss_done(&R, 1);
	n += drain(&R, stream + n, sizeof(stream) - n);
	k = parse(stream, n, seqs);
	assert_int_equal(k, 12);
	assert_int_equal(seqs[1], 1);
	assert_int_equal(seqs[2], 3);
	assert_int_equal(R.sent + R.lost, 13);
	assert_true(ring_empty(&R));
}

static void carry_lost_on_rewind(void **state)
{
	struct ring_range lr;

	(void)state;
	ring_init(&R, rbuf, 1000);
	for (int i = 0; i < 10; i++)
		push(&R, 88);
	drain(&R, stream, 150);
	push(&R, 88);			/* takes frame 0's room */
	push(&R, 88);			/* frame 1 carried */
	push(&R, 88);			/* frame 2 lost */
	ring_rewind(&R);
	identity(&R);
	assert_int_equal(R.lost, 2);
	assert_true(ring_pending_loss(&R, &lr));
	assert_int_equal(lr.first, 1);
	assert_int_equal(lr.count, 2);
	/* the same with no loss after the carry */
	ring_init(&R, rbuf, 1000);
	for (int i = 0; i < 10; i++)
		push(&R, 88);
	drain(&R, stream, 150);
	push(&R, 88);
	push(&R, 88);			/* frame 1 carried */
	ring_rewind(&R);
	assert_true(ring_pending_loss(&R, &lr));
	assert_int_equal(lr.first, 1);
	assert_int_equal(lr.count, 1);
	assert_int_equal(R.tail_seq, 2);
	identity(&R);
}

static void partial_frame_resent_whole_after_rewind(void **state)
{
	size_t n, k;

	(void)state;
	ring_init(&R, rbuf, 1000);
	for (k = 0; k < 3; k++)
		push(&R, 88);
	drain(&R, stream, 150);		/* frame 1 half-written */
	ring_rewind(&R);
	n = drain(&R, stream, sizeof(stream));
	k = parse(stream, n, seqs);
	assert_int_equal(k, 2);
	assert_int_equal(seqs[0], 1);
	assert_int_equal(R.sent, 3);
	assert_int_equal(R.lost, 0);
}

static void acks_keep_and_replay(void **state)
{
	size_t n, k;

	(void)state;
	ring_init(&R, rbuf, 1000);
	ring_ack(&R, 0);		/* the host acks: ack mode */
	assert_true(R.acking);
	for (k = 0; k < 5; k++)
		push(&R, 88);
	drain(&R, stream, sizeof(stream));
	assert_int_equal(R.sent, 0);	/* written, not yet acked */
	assert_true(ring_idle(&R));
	assert_false(ring_empty(&R));
	ring_ack(&R, 1);
	assert_int_equal(R.sent, 2);
	assert_int_equal(R.tail_seq, 2);
	ring_ack(&R, 1);		/* repeated: nothing */
	assert_int_equal(R.sent, 2);
	ring_rewind(&R);		/* replay 2.. */
	n = drain(&R, stream, sizeof(stream));
	k = parse(stream, n, seqs);
	assert_int_equal(k, 3);
	assert_int_equal(seqs[0], 2);
	ring_ack(&R, 1000);		/* past the head: all written ones */
	assert_int_equal(R.sent, 5);
	assert_true(ring_empty(&R));
	identity(&R);
}

static void ack_stops_at_unwritten(void **state)
{
	(void)state;
	ring_init(&R, rbuf, 1000);
	ring_ack(&R, 0);
	for (int i = 0; i < 4; i++)
		push(&R, 88);
	drain(&R, stream, 150);		/* 0 whole, 1 half */
	ring_ack(&R, 3);
	assert_int_equal(R.sent, 1);	/* only frame 0 was written */
	assert_int_equal(R.tail_seq, 1);
	identity(&R);
}

static void unacked_overwritten_live_counts_sent(void **state)
{
	size_t k;

	(void)state;
	ring_init(&R, rbuf, 1000);
	ring_ack(&R, 0);
	for (k = 0; k < 10; k++)
		push(&R, 88);
	drain(&R, stream, 500);		/* 0..4 written, unacked */
	for (k = 0; k < 7; k++)
		push(&R, 88);		/* evicts 0..4 (sent), 5, 6 (lost) */
	assert_int_equal(R.sent, 5);
	assert_int_equal(R.lost, 2);
	assert_int_equal(R.pend.first, 5);
	identity(&R);
}

static void evict_all_accounts(void **state)
{
	(void)state;
	ring_init(&R, rbuf, 1000);
	ring_ack(&R, 0);
	for (int i = 0; i < 6; i++)
		push(&R, 88);
	drain(&R, stream, 250);		/* 0, 1 written; 2 half */
	ring_evict_all(&R);
	assert_int_equal(R.sent, 2);
	assert_int_equal(R.lost, 3);
	assert_int_equal(R.carry_len, 50);
	assert_int_equal(ring_used(&R), 0);
	identity(&R);
	drain(&R, stream, 50);
	assert_int_equal(R.sent, 3);
	ring_loss_done(&R, 3);
	assert_true(ring_empty(&R));
}

/* ---- randomized: a simulated transport and receiver ---- */

struct sim {
	uint8_t conn[1 << 16];	/* unparsed bytes of the current connection */
	size_t clen;
	uint64_t last;		/* last seq received on this connection */
	int have_last;
	uint8_t got[1 << 14];	/* seq -> received */
	uint8_t annc[1 << 14];	/* seq -> announced lost */
	uint64_t expect;	/* seq the next frame must have (after loss) */
	int have_expect;
	unsigned carries, rewinds;	/* the run did reach these cases */
};

static struct sim S;

/* Take the whole frames received so far; keep a partial one. */
static void sim_take(void)
{
	size_t k = parse(S.conn, S.clen, seqs), i, used = 0;

	for (i = 0; i < k; i++) {
		if (S.have_expect) {
			assert_int_equal(seqs[i], S.expect);
			S.have_expect = 0;
		}
		S.got[seqs[i]] = 1;
		S.last = seqs[i];
		S.have_last = 1;
		used += WIRE_HDR_LEN + ((size_t)S.conn[used] |
					(size_t)S.conn[used + 1] << 8);
	}
	memmove(S.conn, S.conn + used, S.clen - used);
	S.clen -= used;
}

static void sim_write(struct ring *r, size_t max)
{
	struct ring_range lr;
	uint64_t i;

	if (ring_pending_loss(r, &lr)) {
		assert_int_equal(S.clen, 0);	/* at a frame boundary */
		for (i = 0; i < lr.count; i++) {
			assert_false(S.annc[lr.first + i]);
			S.annc[lr.first + i] = 1;
		}
		ring_loss_done(r, lr.count);
		S.expect = lr.first + lr.count;
		S.have_expect = 1;
	}
	if (max > sizeof(S.conn) - S.clen)
		max = sizeof(S.conn) - S.clen;
	S.clen += drain(r, S.conn + S.clen, max);
	sim_take();
}

static void random_run(int acks)
{
	uint64_t s;
	int step, op;

	memset(&S, 0, sizeof(S));
	srand(acks ? 7 : 11);
	ring_init(&R, rbuf, 3000);
	for (step = 0; step < 6000; step++) {
		op = rand() % 10;
		if (op < 5 && ring_next_seq(&R) < sizeof(S.got) - 1) {
			push(&R, (size_t)(rand() % 300));
			S.carries += R.carry_len == 0 ? 0 : R.carry_off == 0;
		}
		else if (op < 8)
			sim_write(&R, (size_t)(rand() % 700));
		else if (op == 8 && acks && S.have_last)
			ring_ack(&R, S.last);
		else if (op == 9 && rand() % 8 == 0) {
			ring_rewind(&R);	/* the connection drops */
			S.rewinds++;
			S.clen = 0;
			S.have_last = S.have_expect = 0;
		}
		identity(&R);
	}
	for (step = 0; !ring_empty(&R) && step < 100000; step++) {
		sim_write(&R, 1 << 12);
		if (acks && S.have_last)
			ring_ack(&R, S.last);
	}
	assert_true(ring_empty(&R));
	assert_true(S.carries > 0 && S.rewinds > 0);
	assert_int_equal(R.head_seq, R.sent + R.lost);
	for (s = 0; s < R.head_seq; s++) {
		assert_true(S.got[s] || S.annc[s]);	/* nothing vanished */
		if (!acks)		/* without acks: never both */
			assert_false(S.got[s] && S.annc[s]);
	}
}

static void random_without_acks(void **state)
{
	uint64_t s, got = 0, annc = 0;

	(void)state;
	random_run(0);
	for (s = 0; s < R.head_seq; s++) {
		got += S.got[s];
		annc += S.annc[s];
	}
	assert_true(R.lost > 0);	/* the run did overwrite */
	assert_int_equal(got, R.sent);	/* exact, both ways */
	assert_int_equal(annc, R.lost);
}

static void random_with_acks(void **state)
{
	(void)state;
	random_run(1);
	assert_true(R.lost > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_and_bytes),
		cmocka_unit_test(rejects_bad_frames),
		cmocka_unit_test(wraps_in_two_iovecs),
		cmocka_unit_test(empty_ring_starts_over),
		cmocka_unit_test(overwrite_counts_exact_range),
		cmocka_unit_test(half_written_frame_is_carried),
		cmocka_unit_test(carry_lost_on_rewind),
		cmocka_unit_test(partial_frame_resent_whole_after_rewind),
		cmocka_unit_test(acks_keep_and_replay),
		cmocka_unit_test(ack_stops_at_unwritten),
		cmocka_unit_test(unacked_overwritten_live_counts_sent),
		cmocka_unit_test(evict_all_accounts),
		cmocka_unit_test(random_without_acks),
		cmocka_unit_test(random_with_acks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
