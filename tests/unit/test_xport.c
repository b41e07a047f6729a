/*
 * test_xport.c: the transport (src/agent/xport.c): address parsing and
 * backoff as pure functions, then the state table driven through a real
 * loop over real AF_UNIX sockets (never AF_VSOCK): connect failure and
 * backoff, hello first, ring bytes after, loss announced in its place,
 * acks, hang-up and reconnect with the next session, a host frame too
 * large.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/xport.h"
#include "lib/clock.h"
#include "wire/frame.h"

static void parse_addresses(void **state)
{
	struct xport_addr a;
	char s[160];

	(void)state;
	assert_int_equal(xport_parse_addr(&a, "vsock:2:9001", 12), 0);
	assert_int_equal(a.kind, XPORT_VSOCK);
	assert_int_equal(a.cid, 2);
	assert_int_equal(a.port, 9001);
	assert_int_equal(xport_parse_addr(&a, "vsock:4294967295:0", 18), 0);
	assert_int_equal(a.cid, 4294967295u);
	assert_int_equal(xport_parse_addr(&a, "unix:/a b", 9), 0);
	assert_int_equal(a.kind, XPORT_UNIX);
	assert_string_equal(a.path, "/a b");
	xport_addr_str(&a, s, sizeof(s));
	assert_string_equal(s, "unix:/a b");
	assert_int_equal(xport_parse_addr(&a, "unix:x\0y", 8), -1);
	assert_int_equal(xport_parse_addr(&a, "vsock::1", 8), -1);
	assert_int_equal(xport_parse_addr(&a, "vsock:1:", 8), -1);
	assert_int_equal(xport_parse_addr(&a, "vsock:+1:2", 10), -1);
	assert_int_equal(xport_parse_addr(&a, "vsock:12345678901:2", 19), -1);
	assert_int_equal(xport_parse_addr(&a, "VSOCK:2:1", 9), -1);
	assert_int_equal(xport_parse_addr(&a, "", 0), -1);
	assert_int_equal(a.kind, XPORT_UNIX);	/* failures leave it be */
}

static void backoff_doubles_with_jitter_and_cap(void **state)
{
	uint64_t lo, hi, r;
	unsigned k;

	(void)state;
	for (k = 0; k < 40; k++) {
		uint64_t ms = 10;

		for (unsigned i = 0; i < k && ms < 2000; i++)
			ms *= 2;
		ms = ms > 2000 ? 2000 : ms;
		lo = xport_backoff_ns(k, 0);
		hi = xport_backoff_ns(k, ms * 1000000u / 2);
		assert_int_equal(lo, ms * 1000000u / 2);
		assert_int_equal(hi, ms * 1000000u);
		for (r = 1; r < 1000; r += 97)
			assert_true(xport_backoff_ns(k, r * 7919u) >= lo &&
				    xport_backoff_ns(k, r * 7919u) <= hi);
	}
	assert_int_equal(xport_backoff_ns(0, 0), 5000000u);
	assert_int_equal(xport_backoff_ns(100, UINT64_MAX - 1) <=
			 2000000000u, 1);
}

/* ---- the table over real sockets ---- */

static struct loop L;
static struct ring R;
static struct xport X;
static uint8_t rbuf[1 << 16];
static char path[108];
static int lsock = -1, peer = -1;
static uint64_t hello_session, hello_resume;
static int (*until)(void);
static uint64_t give_up;

static int hook_hello(void *ctx, uint64_t session, uint64_t resume,
		      uint8_t *out, size_t cap)
{
	static struct event ev;

	(void)ctx;
	hello_session = session;
	hello_resume = resume;
	event_init(&ev, PS_AGENT_HELLO, 1, 1);
	event_set_uint(&ev, EVK_SESSION, session);
	event_set_uint(&ev, EVK_RESUME_SEQ, resume);
	return frame_encode(&ev, WIRE_EXTENDED, out, cap);
}

static int hook_loss(void *ctx, uint64_t first, uint64_t count, uint8_t *out,
		     size_t cap)
{
	static struct event ev;

	(void)ctx;
	event_init(&ev, PS_AGENT_LOSS, 1, 1);
	event_set_uint(&ev, EVK_FIRST_SEQ, first);
	event_set_uint(&ev, EVK_COUNT, count);
	return frame_encode(&ev, WIRE_EXTENDED, out, cap);
}

static void before(void *ctx)
{
	(void)ctx;
	xport_flush(&X);
	if (until() || clock_mono_ns() > give_up)
		loop_stop(&L);
}

static void nosig(void *ctx, int signo)
{
	(void)ctx;
	(void)signo;
}

/* A timer that only wakes the loop so `before` can look at the clock. */
static void wake(void *ctx, uint64_t now)
{
	struct loop_timer *t = ctx;

	t->at = now + 5000000u;
}

static struct loop_timer waker = { 0, wake, &waker };

/* Run the loop until pred holds (or 5 s pass: then fail). */
static void run(int (*pred)(void))
{
	until = pred;
	give_up = clock_mono_ns() + 5000000000ull;
	waker.at = clock_mono_ns() + 5000000u;
	L.done = 0;
	assert_int_equal(loop_run(&L), 0);
	assert_true(pred());
}

static int is_up(void) { return X.state == XS_UP; }
static int is_backoff(void) { return X.state == XS_BACKOFF; }
static int is_idle(void) { return xport_idle(&X); }
static int is_ack_seen(void) { return X.st.acks > 0; }

static void push(uint64_t pid)
{
	static struct event ev;
	static uint8_t f[WIRE_MAX_FRAME];
	int n;

	event_init(&ev, PS_PROCESS_SPAWNED, (uint32_t)pid, 1);
	event_set_uint(&ev, EVK_SEQ, ring_next_seq(&R));
	n = frame_encode(&ev, WIRE_EXTENDED, f, sizeof(f));
	assert_true(n > 0);
	assert_int_equal(ring_push(&R, f, (size_t)n), 0);
}

/* Read every frame the peer has; returns how many went into evs. */
static int take(struct event *evs, int max)
{
	static uint8_t buf[1 << 17];
	static size_t have;
	size_t used;
	ssize_t n;
	int k = 0;

	while ((n = recv(peer, buf + have, sizeof(buf) - have,
			 MSG_DONTWAIT)) > 0)
		have += (size_t)n;
	while (k < max && frame_decode(buf, have, &evs[k], &used, 0) == 0) {
		memmove(buf, buf + used, have - used);
		have -= used;
		k++;
	}
	return k;
}

static int setup(void **state)
{
	static const struct xport_hooks hooks = { hook_hello, hook_loss, NULL };
	struct xport_addr a = { .kind = XPORT_UNIX };
	sigset_t none;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ct-unit-xport-%d.sock", getpid());
	memcpy(a.path, path, sizeof(path));
	unlink(path);
	sigemptyset(&none);
	assert_int_equal(loop_init(&L, &none, nosig, before, NULL), 0);
	assert_int_equal(loop_timer_add(&L, &waker), 0);
	ring_init(&R, rbuf, sizeof(rbuf));
	assert_int_equal(xport_init(&X, &a, &R, &L, &hooks, 1, 42), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xport_stop(&X);
	close(L.ep);
	close(L.sfd);
	close(L.tfd);
	if (peer >= 0)
		close(peer);
	if (lsock >= 0)
		close(lsock);
	unlink(path);
	return 0;
}

static void listen_now(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };

	memcpy(un.sun_path, path, sizeof(path));
	lsock = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lsock >= 0);
	assert_int_equal(bind(lsock, (struct sockaddr *)&un, sizeof(un)), 0);
	assert_int_equal(listen(lsock, 4), 0);
}

static void accept_now(void)
{
	if (peer >= 0)
		close(peer);
	peer = accept(lsock, NULL, NULL);
	assert_true(peer >= 0);
}

static struct event evs[64];

static void backoff_then_hello_then_frames(void **state)
{
	uint64_t now = clock_mono_ns();
	int i, k;

	(void)state;
	push(100);			/* before any connection */
	xport_start(&X);		/* no listener: ENOENT */
	assert_int_equal(X.state, XS_BACKOFF);
	assert_int_equal(X.st.failures, 1);
	assert_true(X.timer.at >= now + 5000000u &&
		    X.timer.at <= clock_mono_ns() + 10000000u);
	listen_now();
	run(is_up);			/* the backoff timer reconnects */
	assert_int_equal(X.st.connects, 1);
	push(101);
	run(is_idle);
	accept_now();
	k = take(evs, 64);
	assert_int_equal(k, 3);
	assert_int_equal(evs[0].source, PS_AGENT_HELLO);
	assert_int_equal(evs[0].session, 1);
	assert_int_equal(evs[0].resume_seq, 0);
	for (i = 1; i < 3; i++) {
		assert_int_equal(evs[i].source, PS_PROCESS_SPAWNED);
		assert_int_equal(evs[i].seq, (uint64_t)i - 1);
		assert_int_equal(evs[i].pid, 99 + (uint64_t)i);
	}
	assert_int_equal(R.sent, 2);	/* no acks yet: written = sent */
}

/* The peer acks: from then on frames wait for acks. */
static void acks_then_hangup_replays(void **state)
{
	static uint8_t f[64];
	static struct event ack;
	int n, k;

	(void)state;
	event_init(&ack, PS_HOST_ACK, 0, 0);
	event_set_uint(&ack, EVK_ACK_SEQ, 1);
	n = frame_encode(&ack, WIRE_EXTENDED, f, sizeof(f));
	assert_int_equal(send(peer, f, (size_t)n, 0), n);
	run(is_ack_seen);
	push(102);
	push(103);
	run(is_idle);
	assert_int_equal(take(evs, 64), 2);
	assert_int_equal(R.sent, 2);	/* 2 and 3 wait for an ack */
	event_set_uint(&ack, EVK_ACK_SEQ, 2);
	n = frame_encode(&ack, WIRE_EXTENDED, f, sizeof(f));
	assert_int_equal(send(peer, f, (size_t)n, 0), n);
	close(peer);			/* the ack, then the hang-up */
	peer = -1;
	run(is_backoff);
	assert_int_equal(X.st.hangups, 1);
	assert_int_equal(R.sent, 3);	/* the ack came in before the hang-up */
	assert_int_equal(R.tail_seq, 3);
	run(is_up);			/* reconnect: session 2, resume at 3 */
	run(is_idle);
	accept_now();
	k = take(evs, 64);
	assert_int_equal(k, 2);
	assert_int_equal(evs[0].source, PS_AGENT_HELLO);
	assert_int_equal(evs[0].session, 2);
	assert_int_equal(evs[0].resume_seq, 3);
	assert_int_equal(evs[1].seq, 3);	/* replayed */
	assert_int_equal(hello_session, 2);
}

/* Frames overwritten while down: hello, then agent.loss naming exactly
 * them, then the first frame kept. */
static void loss_announced_in_place(void **state)
{
	uint64_t lost, first_kept, got = 0;
	int i, k;

	(void)state;
	close(peer);
	peer = -1;
	run(is_backoff);
	for (i = 0; i < 1000; i++)	/* ~100 KiB into a 64 KiB ring */
		push(200 + (uint64_t)i);
	lost = R.lost;
	assert_true(lost > 0);
	first_kept = R.tail_seq;
	run(is_up);
	run(is_idle);
	accept_now();
	k = take(evs, 3);
	assert_int_equal(k, 3);
	assert_int_equal(evs[0].source, PS_AGENT_HELLO);
	assert_int_equal(evs[0].session, 3);
	assert_int_equal(evs[0].resume_seq, first_kept);
	assert_int_equal(evs[1].source, PS_AGENT_LOSS);
	assert_int_equal(evs[1].first_seq, 3);	/* seq 3 was never acked */
	assert_int_equal(evs[1].first_seq + evs[1].count, first_kept);
	assert_int_equal(evs[1].count, lost);
	assert_int_equal(evs[2].seq, first_kept);
	for (got = 1; (k = take(evs, 64)) > 0; got += (uint64_t)k)
		assert_int_equal(evs[k - 1].seq, first_kept + got + (uint64_t)k - 1);
	assert_int_equal(first_kept + got, ring_next_seq(&R));
	assert_int_equal(R.head_seq, R.sent + R.lost + (R.head_seq - R.tail_seq));
}

/* A host that sends a length above 4096 cannot be trusted: hang up. */
static void host_frame_too_large_hangs_up(void **state)
{
	static const uint8_t bad[4] = { 0x01, 0x20, 0, 0 };	/* 8193 */
	uint64_t h = X.st.hangups;

	(void)state;
	assert_int_equal(send(peer, bad, sizeof(bad), 0), 4);
	run(is_backoff);
	assert_int_equal(X.st.hangups, h + 1);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(parse_addresses),
		cmocka_unit_test(backoff_doubles_with_jitter_and_cap),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(backoff_then_hello_then_frames),
		cmocka_unit_test(acks_then_hangup_replays),
		cmocka_unit_test(loss_announced_in_place),
		cmocka_unit_test(host_frame_too_large_hangs_up),
	};

	return cmocka_run_group_tests(pure, NULL, NULL) |
	       cmocka_run_group_tests(live, setup, teardown);
}
