/*
 * recv.c: the per-frame logic of the receiver (see recv.h).
 *
 * Instances: a hello with session 1, or from an agent (boot_id, pid) the
 * cell has not seen, starts a new instance (a first session expects seq
 * 0; a later one, e.g. after the receiver restarted, starts at its
 * resume_seq).  A hello with session > 1 from the same boot_id and pid
 * continues the instance on the new connection: frames it replays that
 * were already written are dropped.  A cell follows one instance at a
 * time: a connection whose instance another hello replaced, and frames
 * before any hello, keep their own per-connection seq state.  Frames
 * without seq (v1.0) are written as they come, with no gap or dedupe
 * possible.  Our agent sends hello and agent.loss outside its ring,
 * without seq; an agent that numbers them too (doc/WIRE.md §4 allows it;
 * the hello vector carries seq 0) is handled by the classes of stamp.h, which let such
 * frames arrive ahead of older ones.
 *
 * The guest's host stamp is never read: cell, run and time come from the
 * socket and the receiver (the decoder has no such keys to fill).  Only
 * a frame that decodes counts as a sign of life for the keep-alive: a
 * guest that sends garbage is as silent as one that sends nothing.  An
 * ack-shaped frame from the guest (no probe_source) is rejected as
 * MissingField, as a v1.0 host would.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include "emit.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "recv.h"
#include "wire/frame.h"

void recv_clock(struct host *h)
{
	h->now_real = clock_real_ns();
	h->now_mono = clock_mono_ns();
	ce_time(h->now, h->now_real);
}

void recv_open(struct host *h, struct hconn *c, struct host_cell *cell,
	       int fd)
{
	c->fd = fd;
	c->cell = cell;
	c->bound = c->silenced = c->stopped = c->acklen = c->has_ack = 0;
	c->ack_wanted = 0;
	c->boot_len = 0;
	c->ack_sent = 0;
	c->last_real = h->now_real;
	stamp_start(&c->own, 0, 0);
	gclock_init(&c->clk);
	c->ka.prev = c->ka.next = NULL;
	ka_touch(&h->ka, &c->ka, h->now_mono);
	conn_init(&c->rd);
	cell->st.conns++;
	cell->st.open++;
}

/* The seq state c's frames follow. */
static struct stamp_inst *inst_of(struct hconn *c)
{
	return c->bound && c->gen == c->cell->gen ? &c->cell->inst : &c->own;
}

/* agent.hello: bind c to the cell's instance, new or continued.  The
 * cell's agent speaks again, so a gone connection is not silent. */
static void on_hello(struct host_cell *cell, struct hconn *c,
		     const struct event *ev)
{
	size_t bl;
	const char *b = event_text(ev, EVK_BOOT_ID, &bl);
	uint64_t session = ev->has & EVK_BIT(EVK_SESSION) ? ev->session : 0;

	if (cell->gone)
		ka_remove(&cell->gone->ka);
	if (!(ev->has & EVK_BIT(EVK_BOOT_ID)))
		bl = 0;
	c->bound = 1;
	c->boot_len = (uint16_t)bl;
	memcpy(c->boot_id, b, bl);
	c->agent_pid = (uint32_t)ev->pid;
	if (session > 1 && cell->has_inst && bl > 0 && bl == cell->boot_len &&
	    !memcmp(b, cell->boot_id, bl) && ev->pid == cell->agent_pid) {
		c->gen = cell->gen;
		return;
	}
	c->gen = ++cell->gen;
	if (cell->model && cell->has_inst &&
	    (bl != cell->boot_len || memcmp(b, cell->boot_id, bl)))
		model_reset(cell->model);	/* a new boot: new pids */
	cell->has_inst = 1;
	cell->boot_len = (uint16_t)bl;
	memcpy(cell->boot_id, b, bl);
	cell->agent_pid = (uint32_t)ev->pid;
	if (session == 1)
		stamp_start(&cell->inst, 1, 0);
	else if (ev->has & EVK_BIT(EVK_RESUME_SEQ))
		stamp_start(&cell->inst, 1, ev->resume_seq);
	else
		stamp_start(&cell->inst, 0, 0);
}

static void emit_gaps(struct host *h, struct hconn *c,
		      const struct stamp_verdict *v)
{
	unsigned i;

	for (i = 0; i < v->ngaps; i++)
		emit_gap(h, c, &v->gap[i]);
}

/* A good frame with a seq: 1 when it was written before (drop it),
 * after writing the gaps it shows. */
static int seq_dup(struct host *h, struct hconn *c, const struct event *ev)
{
	struct stamp_verdict v;
	int cls = ev->source == PS_AGENT_HELLO ? STAMP_HELLO :
		ev->source == PS_AGENT_LOSS ? STAMP_OOB : STAMP_DATA;

	stamp_frame(inst_of(c), ev->seq, cls, &v);
	if (v.dup) {
		c->cell->st.dups++;
		return 1;
	}
	emit_gaps(h, c, &v);
	return 0;
}

/* agent.loss: its range is resolved first (so the gap check never counts
 * it again), then it is written as telemetry_dropped. */
static void loss(struct host *h, struct hconn *c, const struct event *ev)
{
	struct stamp_verdict v;

	if ((ev->has & EVK_BIT(EVK_FIRST_SEQ)) && (ev->has & EVK_BIT(EVK_COUNT))) {
		stamp_lost(inst_of(c), ev->first_seq, ev->count, &v);
		emit_gaps(h, c, &v);
	}
	emit_loss(h, c, ev);
}

/* A hello or heartbeat: a sample of c's guest clock; a jump is flagged
 * with a line of its own. */
static void clock_sample(struct host *h, struct hconn *c,
			 const struct event *ev)
{
	int v = gclock_sample(&c->clk, h->now_mono, ev->mono_ns,
			      ev->source == PS_AGENT_HEARTBEAT);

	if (v != GCLOCK_OK)
		emit_clock(h, c, v);
}

/* One frame of c: count, decode's verdict, seq, lines. */
static void take(struct host *h, struct hconn *c, int err,
		 const struct event *ev, size_t n)
{
	if (err != WIRE_E_FRAME_TOO_LARGE && err != WIRE_E_FRAME_TRUNCATED &&
	    err != WIRE_E_SHORT_HEADER)
		c->cell->st.frames++;	/* not a tail or an untrusted prefix */
	if (err == 0 && ev->source == PS_HOST_ACK)
		err = WIRE_E_MISSING_FIELD;	/* an ack is no guest frame */
	if (err < 0) {
		log_debug("cell %s: frame of %zu bytes rejected: %s",
			  c->cell->id, n, wire_errname(err));
		emit_rejected(h, c, err, n);
		return;
	}
	c->last_real = h->now_real;
	if (!c->silenced)
		ka_touch(&h->ka, &c->ka, h->now_mono);
	if (ev->source == PS_AGENT_HELLO || ev->source == PS_AGENT_HEARTBEAT)
		clock_sample(h, c, ev);
	if (ev->source == PS_AGENT_HELLO)
		on_hello(c->cell, c, ev);
	c->stopped |= ev->source == PS_AGENT_STOPPING;
	if ((ev->has & EVK_BIT(EVK_SEQ)) && seq_dup(h, c, ev))
		return;
	if (ev->source == PS_AGENT_LOSS)
		loss(h, c, ev);
	else
		emit_guest(h, c, ev);
}

/* --ack, after each frame: first the ack that a write during this frame
 * made due (out_begin writes what is held when it needs room), then the
 * seq an ack may name once the lines made so far are written; the mark
 * moves only when that seq does. */
static void note_ack(struct host *h, struct hconn *c)
{
	uint64_t s;

	if (c->ack_wanted && h->out.done >= c->ack_mark)
		recv_ack(h, c);
	if (stamp_ackable(inst_of(c), &s) < 0 || (c->has_ack && s <= c->ack_sent) ||
	    (c->ack_wanted && s <= c->ack_want))
		return;
	c->ack_want = s;
	c->ack_mark = h->out.made;
	c->ack_wanted = 1;
}

/* conn_feed's callback: one frame of h->cur. */
static void on_frame(void *arg, int err, const struct event *ev, size_t n)
{
	struct host *h = arg;
	struct hconn *c = h->cur;

	take(h, c, err, ev, n);
	if (h->ack)
		note_ack(h, c);
}

int recv_bytes(struct host *h, struct hconn *c, const uint8_t *p, size_t n)
{
	c->cell->st.bytes += n;
	h->cur = c;
	return conn_feed(&c->rd, p, n, &h->scratch, on_frame, h) < 0 ? -1 : 0;
}

int recv_close(struct host *h, struct hconn *c)
{
	int linger;

	h->cur = c;
	conn_end(&c->rd, on_frame, h);
	linger = c->bound && !c->stopped && !c->silenced;
	if (!linger)
		ka_remove(&c->ka);
	c->cell->st.open--;
	return linger;
}

/* Send what is left of the ack in c->ackbuf; 0 when all is out. */
static int ack_push(struct hconn *c)
{
	ssize_t w = send(c->fd, c->ackbuf, c->acklen, MSG_NOSIGNAL |
			 MSG_DONTWAIT);

	if (w > 0) {
		memmove(c->ackbuf, c->ackbuf + w, c->acklen - (size_t)w);
		c->acklen = (uint8_t)(c->acklen - w);
	} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
		c->acklen = 0;		/* the peer is gone: reads will say */
	}
	return c->acklen == 0 ? 0 : -1;
}

/* Send an ack naming seq s. */
static void ack(struct host *h, struct hconn *c, uint64_t s)
{
	int n;

	event_init(&h->scratch, PS_HOST_ACK, 0, 0);
	event_set_uint(&h->scratch, EVK_ACK_SEQ, s);
	n = frame_encode(&h->scratch, WIRE_EXTENDED, c->ackbuf,
			 sizeof(c->ackbuf));
	if (n <= 0)
		return;
	c->acklen = (uint8_t)n;
	c->has_ack = 1;
	c->ack_sent = s;
	c->cell->st.acks++;
	ack_push(c);
}

void recv_ack(struct host *h, struct hconn *c)
{
	if (c->acklen > 0 && ack_push(c) < 0)
		return;
	if (!c->ack_wanted || h->out.done < c->ack_mark || h->out.lost)
		return;
	c->ack_wanted = 0;
	ack(h, c, c->ack_want);
}

void recv_silence(struct host *h)
{
	struct ka_node *n;
	struct hconn *c;

	while ((n = ka_expired(&h->ka, h->now_mono)) != NULL) {
		c = (struct hconn *)((char *)n - offsetof(struct hconn, ka));
		c->silenced = 1;
		emit_silenced(h, c);
	}
}
