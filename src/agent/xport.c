/*
 * xport.c: the transport of xport.h.
 *
 * The state x event table below is the whole policy; the actions do the
 * syscalls and return the event that follows (or XE_NONE).  Writes go
 * straight from the ring (ring_iov) behind at most one small frame of
 * our own (hello at the start of a connection, agent.loss where frames
 * went missing).  Reads only take host acks.  Nothing here allocates or
 * blocks: sockets are non-blocking and waits are loop deadlines.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/scan.h"
#include "wire/frame.h"
#include "testhook.h"
#include "xport.h"

enum xport_event {
	XE_NONE, XE_START, XE_CONNECTED, XE_FAIL, XE_WRITABLE, XE_READABLE,
	XE_HANGUP, XE_TIMER, XE_STOP, XE_N
};

static int act_connect(struct xport *x);
static int act_check(struct xport *x);
static int act_up(struct xport *x);
static int act_backoff(struct xport *x);
static int act_write(struct xport *x);
static int act_read(struct xport *x);
static int act_close(struct xport *x);

struct edge {
	uint8_t next;
	int (*act)(struct xport *x);
};

/* What each event does in each state; no entry: ignored. */
static const struct edge table[XS_N][XE_N] = {
	[XS_IDLE] = {
		[XE_START] = { XS_CONNECTING, act_connect },
	},
	[XS_CONNECTING] = {
		[XE_WRITABLE] = { XS_CONNECTING, act_check },
		[XE_CONNECTED] = { XS_UP, act_up },
		[XE_FAIL] = { XS_BACKOFF, act_backoff },
		[XE_TIMER] = { XS_BACKOFF, act_backoff },	/* timed out */
		[XE_STOP] = { XS_IDLE, act_close },
	},
	[XS_UP] = {
		[XE_WRITABLE] = { XS_UP, act_write },
		[XE_READABLE] = { XS_UP, act_read },
		[XE_HANGUP] = { XS_BACKOFF, act_backoff },
		[XE_STOP] = { XS_IDLE, act_close },
	},
	[XS_BACKOFF] = {
		[XE_TIMER] = { XS_CONNECTING, act_connect },
		[XE_STOP] = { XS_IDLE, act_close },
	},
};

/* Feed one event through the table, then whatever the actions raise. */
static void step(struct xport *x, int ev)
{
	const struct edge *e;

	while (ev != XE_NONE) {
		e = &table[x->state][ev];
		if (!e->act)
			return;
		x->state = e->next;
		ev = e->act(x);
	}
}

/* ---- addresses and backoff (pure) ---- */

/* A decimal u32; -1 on anything else. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v;

	if (scan_dec_all(s, n, UINT32_MAX, &v) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int xport_parse_addr(struct xport_addr *a, const char *s, size_t n)
{
	const char *colon;
	struct xport_addr t = { 0 };

	if (n > 5 && memcmp(s, "unix:", 5) == 0) {
		if (n - 5 > XPORT_PATH_MAX || memchr(s + 5, '\0', n - 5))
			return -1;
		t.kind = XPORT_UNIX;
		memcpy(t.path, s + 5, n - 5);
	} else if (n > 6 && memcmp(s, "vsock:", 6) == 0) {
		colon = memchr(s + 6, ':', n - 6);
		if (!colon ||
		    parse_u32(s + 6, (size_t)(colon - s - 6), &t.cid) < 0 ||
		    parse_u32(colon + 1, (size_t)(s + n - colon - 1),
			      &t.port) < 0)
			return -1;
		t.kind = XPORT_VSOCK;
	} else {
		return -1;
	}
	*a = t;
	return 0;
}

void xport_addr_str(const struct xport_addr *a, char *out, size_t cap)
{
	if (a->kind == XPORT_VSOCK)
		fmt_str(out, cap, "vsock:%u:%u", a->cid, a->port);
	else
		fmt_str(out, cap, "unix:%s", a->path);
}

uint64_t xport_backoff_ns(unsigned attempt, uint64_t rnd)
{
	uint64_t ms = XPORT_BACKOFF_MIN_MS, half;

	while (attempt-- > 0 && ms < XPORT_BACKOFF_MAX_MS)
		ms *= 2;
	if (ms > XPORT_BACKOFF_MAX_MS)
		ms = XPORT_BACKOFF_MAX_MS;
	half = ms * NS_PER_MS / 2;
	return half + rnd % (half + 1);
}

/* xorshift64*: jitter only, not secrecy. */
static uint64_t next_rnd(struct xport *x)
{
	x->rnd ^= x->rnd >> 12;
	x->rnd ^= x->rnd << 25;
	x->rnd ^= x->rnd >> 27;
	return x->rnd * 0x2545f4914f6cdd1dull;
}

/* ---- the socket ---- */

/* Register the events we want now: EPOLLOUT only while bytes wait. */
static void want(struct xport *x, uint32_t ev)
{
	if (ev == x->want)
		return;
	if (loop_mod(x->loop, &x->lfd, ev) < 0)
		LOG_RL(log_warn, "epoll_ctl");
	x->want = ev;
}

/* Open a non-blocking socket and connect it to the address. */
static int open_and_connect(struct xport *x)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_vm vm = { .svm_family = AF_VSOCK };
	const struct sockaddr *sa;
	socklen_t len;
	int fam = x->addr.kind == XPORT_VSOCK ? AF_VSOCK : AF_UNIX;

	if (fam == AF_UNIX) {
		memcpy(un.sun_path, x->addr.path, sizeof(x->addr.path));
		sa = (const struct sockaddr *)&un;
		len = sizeof(un);
	} else {
		vm.svm_cid = x->addr.cid;
		vm.svm_port = x->addr.port;
		sa = (const struct sockaddr *)&vm;
		len = sizeof(vm);
	}
	if (fam == AF_VSOCK && TESTHOOK_NO_VSOCK) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	x->fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0)
		return -1;
	return connect(x->fd, sa, len);
}

/* Leave the loop and close the socket, if open. */
static void close_fd(struct xport *x)
{
	if (x->fd < 0)
		return;
	loop_del(x->loop, &x->lfd);
	close(x->fd);
	x->fd = -1;
	x->want = 0;
}

/* Try to connect: at once (unix), pending (vsock) or failed. */
static int act_connect(struct xport *x)
{
	char a[XPORT_PATH_MAX + 16];

	x->timer.at = 0;
	if (open_and_connect(x) == 0)
		return XE_CONNECTED;
	if (x->fd >= 0 && errno == EINPROGRESS) {
		x->lfd.fd = x->fd;
		x->want = EPOLLOUT;
		if (loop_add(x->loop, &x->lfd, EPOLLOUT) < 0)
			return XE_FAIL;
		x->timer.at = clock_mono_ns() +
			XPORT_CONNECT_TIMEOUT_MS * NS_PER_MS;
		return XE_NONE;
	}
	xport_addr_str(&x->addr, a, sizeof(a));
	LOG_RL(log_warn, "connect %s", a);
	return XE_FAIL;
}

/* A pending connect finished: see how. */
static int act_check(struct xport *x)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == 0)
		return XE_CONNECTED;
	errno = err;
	LOG_RL(log_warn, "connect");
	return XE_FAIL;
}

/* Connected: hello goes first, then the ring from its oldest frame. */
static int act_up(struct xport *x)
{
	int n;

	x->timer.at = 0;
	x->st.connects++;
	x->up_since = clock_mono_ns();
	if (x->want == 0) {
		x->lfd.fd = x->fd;
		if (loop_add(x->loop, &x->lfd, EPOLLIN | EPOLLRDHUP) < 0)
			return XE_HANGUP;
	}
	want(x, EPOLLIN | EPOLLRDHUP);
	x->meta_off = x->meta_len = 0;
	x->meta_loss = 0;
	x->rx_len = 0;
	n = x->hooks.hello(x->hooks.ctx, x->st.connects, x->ring->wr_seq,
			   x->meta, sizeof(x->meta));
	if (n > 0)
		x->meta_len = (size_t)n;
	log_info("connected (session %llu, resume at seq %llu)",
		 (unsigned long long)x->st.connects,
		 (unsigned long long)x->ring->wr_seq);
	return XE_WRITABLE;
}

/* Lost or never made: close, let the ring replay, retry later. */
static int act_backoff(struct xport *x)
{
	uint64_t now = clock_mono_ns(), wait;

	if (x->up_since) {
		x->st.hangups++;
		if (now - x->up_since >= XPORT_STABLE_MS * NS_PER_MS)
			x->attempt = 0;
		x->up_since = 0;
		log_info("connection lost");
	} else {
		x->st.failures++;
	}
	close_fd(x);
	ring_rewind(x->ring);
	x->meta_off = x->meta_len = 0;
	wait = xport_backoff_ns(x->attempt, next_rnd(x));
	x->timer.at = now + wait;
	log_debug("retry %u in %llu ms", x->attempt + 1,
		  (unsigned long long)(wait / NS_PER_MS));
	if (x->attempt < 32)
		x->attempt++;
	return XE_NONE;
}

/* Stop for good: close; the ring keeps what was not delivered. */
static int act_close(struct xport *x)
{
	x->timer.at = 0;
	close_fd(x);
	ring_rewind(x->ring);
	x->up_since = 0;
	return XE_NONE;
}

/* ---- writing ---- */

/* With no frame of ours in flight, start the loss announcement the ring
 * has pending, if any.  A profile without loss frames (0) just moves on. */
static void start_loss(struct xport *x)
{
	struct ring_range lr;
	int n;

	if (x->meta_off < x->meta_len || !ring_pending_loss(x->ring, &lr))
		return;
	n = x->hooks.loss(x->hooks.ctx, lr.first, lr.count, x->meta,
			  sizeof(x->meta));
	if (n <= 0) {
		ring_loss_done(x->ring, lr.count);
		return;
	}
	x->meta_off = 0;
	x->meta_len = (size_t)n;
	x->meta_loss = lr.count;
}

/* Our frame first, then what the ring offers. */
static int build_iov(struct xport *x, struct iovec iov[4])
{
	int n = 0;

	start_loss(x);
	if (x->meta_off < x->meta_len) {
		iov[0].iov_base = x->meta + x->meta_off;
		iov[0].iov_len = x->meta_len - x->meta_off;
		n = 1;
		if (x->meta_loss)	/* the ring waits for the loss frame */
			return n;
	}
	return n + ring_iov(x->ring, iov + n);
}

/* Account n written bytes: our frame first, the rest to the ring. */
static void consumed(struct xport *x, size_t n)
{
	if (x->meta_off < x->meta_len) {
		if (!ring_span_take(&x->meta_off, x->meta_len, &n))
			return;
		if (x->meta_loss)
			ring_loss_done(x->ring, x->meta_loss);
		x->meta_off = x->meta_len = 0;
		x->meta_loss = 0;
	}
	if (n)
		ring_consume(x->ring, n);
}

/* Write in bounded batches until done or the socket is full. */
static int act_write(struct xport *x)
{
	struct iovec iov[4];
	ssize_t w;
	int i, n;

	for (i = 0; i < XPORT_WRITE_BATCH; i++) {
		n = build_iov(x, iov);
		if (n == 0) {
			want(x, EPOLLIN | EPOLLRDHUP);
			return XE_NONE;
		}
		w = writev(x->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0) {
			LOG_RL(log_warn, "write");
			act_read(x);	/* take the acks that came first */
			return XE_HANGUP;
		}
		consumed(x, (size_t)w);
	}
	want(x, EPOLLIN | EPOLLRDHUP | EPOLLOUT);	/* more to write */
	return XE_NONE;
}

/* ---- reading ---- */

/* Take every whole frame in rx: acks go to the ring, the rest is counted
 * and dropped.  Returns -1 when the stream cannot be trusted any more. */
static int take_frames(struct xport *x)
{
	size_t off = 0, body, used;
	int rc;

	while (x->rx_len - off >= WIRE_HDR_LEN) {
		if (frame_peek(x->rx + off, x->rx_len - off, &body) < 0)
			return -1;		/* FrameTooLarge */
		if (x->rx_len - off - WIRE_HDR_LEN < body)
			break;
		rc = frame_decode(x->rx + off, x->rx_len - off, &x->rxev,
				  &used, 0);
		if (rc == 0 && x->rxev.source == PS_HOST_ACK && x->use_acks) {
			ring_ack(x->ring, x->rxev.ack_seq);
			x->st.acks++;
		} else if (rc < 0) {
			x->st.rx_bad++;
		}
		off += WIRE_HDR_LEN + body;
	}
	memmove(x->rx, x->rx + off, x->rx_len - off);
	x->rx_len -= off;
	return 0;
}

/* Read what the host sent, in bounded batches.  XE_HANGUP on EOF, error
 * or a stream gone bad. */
static int act_read(struct xport *x)
{
	ssize_t n;
	int i;

	for (i = 0; i < XPORT_WRITE_BATCH; i++) {
		n = read(x->fd, x->rx + x->rx_len, sizeof(x->rx) - x->rx_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return XE_NONE;
		if (n <= 0)
			return XE_HANGUP;
		x->rx_len += (size_t)n;
		if (take_frames(x) < 0) {
			LOG_RL(log_warnx, "host sent a frame too large: closing");
			return XE_HANGUP;
		}
	}
	return XE_NONE;
}

/* ---- the loop's side ---- */

static void on_fd(void *ctx, uint32_t events)
{
	struct xport *x = ctx;

	if (x->state == XS_CONNECTING) {
		step(x, XE_WRITABLE);
		return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		step(x, XE_READABLE);
	if (x->state == XS_UP && (events & (EPOLLHUP | EPOLLERR)))
		step(x, XE_HANGUP);
	if (x->state == XS_UP && (events & EPOLLOUT))
		step(x, XE_WRITABLE);
}

/* The backoff or connect deadline passed. */
static void on_timer(void *ctx, uint64_t now)
{
	(void)now;
	step(ctx, XE_TIMER);
}

int xport_init(struct xport *x, const struct xport_addr *a, struct ring *r,
	       struct loop *l, const struct xport_hooks *h, int use_acks,
	       uint64_t seed)
{
	memset(x, 0, sizeof(*x));
	x->state = XS_IDLE;
	x->fd = -1;
	x->addr = *a;
	x->ring = r;
	x->loop = l;
	x->hooks = *h;
	x->use_acks = use_acks;
	x->rnd = seed ? seed : 0x9e3779b97f4a7c15ull;
	x->lfd = (struct loop_fd){ -1, on_fd, x };
	x->timer = (struct loop_timer){ 0, on_timer, x };
	return loop_timer_add(l, &x->timer);
}

void xport_start(struct xport *x)
{
	step(x, XE_START);
}

void xport_flush(struct xport *x)
{
	if (x->state == XS_UP && !xport_idle(x) && !(x->want & EPOLLOUT))
		step(x, XE_WRITABLE);
}

int xport_idle(const struct xport *x)
{
	return x->state == XS_UP && x->meta_off == x->meta_len &&
	       ring_idle(x->ring);
}

void xport_stop(struct xport *x)
{
	step(x, XE_STOP);
}
