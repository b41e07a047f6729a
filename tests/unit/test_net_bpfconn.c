/*
 * test_net_bpfconn.c: the net probe's connection entries
 * (src/agent/net/net_bpfconn.c): the outcome records the sock_ops,
 * sock_release and egress programs send, built here byte by byte as the
 * programs lay them out; the events they make (the caller's pid from the
 * record, both ends, the payload bytes without SYN and FINs); what the
 * parser refuses; and which table entries the sweep expires.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "checks.h"
#include <linux/bpf.h>
#include "agent/net/net_bpfconn.h"
#include "wire/frame.h"

static uint8_t e[NETCONN_SIZE];
static struct event ev;
static uint8_t frame[WIRE_MAX_FRAME];

static void put32(size_t off, uint32_t v)
{
	memcpy(e + off, &v, 4);
}

static void put64(size_t off, uint64_t v)
{
	memcpy(e + off, &v, 8);
}

/* The record of pid 4242's connect4 to 10.1.2.3:8080 at t=1000. */
static void rec(uint32_t attach, int proto)
{
	uint8_t *r = e + NETCONN_OFF_REC;
	uint32_t port = htons(8080);

	memset(r, 0, NETREC_SIZE);
	memcpy(r + NETREC_OFF_MAGIC, &(uint32_t){ NETREC_MAGIC }, 4);
	memcpy(r + NETREC_OFF_ATTACH, &attach, 4);
	memcpy(r + NETREC_OFF_PIDTGID, &(uint64_t){ (uint64_t)4242 << 32 | 4242 }, 8);
	memcpy(r + NETREC_OFF_UIDGID, &(uint64_t){ 1000 }, 8);
	memcpy(r + NETREC_OFF_KTIME, &(uint64_t){ 1000 }, 8);
	memcpy(r + NETREC_OFF_TYPE, &(uint32_t){ proto == IPPROTO_TCP ?
						 SOCK_STREAM : SOCK_DGRAM }, 4);
	memcpy(r + NETREC_OFF_PROTO, &(uint32_t){ (uint32_t)proto }, 4);
	memcpy(r + NETREC_OFF_PORT, &port, 4);
	inet_pton(AF_INET, "10.1.2.3", r + NETREC_OFF_ADDR);
	memcpy(r + NETREC_OFF_COMM, "curl", 4);
}

/* A sent entry of kind: the socket 10.0.0.9:40000 <-> 10.1.2.3:8080. */
static void make(uint32_t kind, uint32_t status)
{
	memset(e, 0, sizeof(e));
	put32(NETCONN_OFF_MAGIC, NETCONN_MAGIC);
	put32(NETCONN_OFF_KIND, kind);
	put32(NETCONN_OFF_STATUS, status);
	put32(NETCONN_OFF_FAMILY, AF_INET);
	put64(NETCONN_OFF_NOW, 5000);
	put32(NETCONN_OFF_LPORT, 40000);
	put32(NETCONN_OFF_RPORT, htons(8080));
	inet_pton(AF_INET, "10.0.0.9", e + NETCONN_OFF_LADDR);
	inet_pton(AF_INET, "10.1.2.3", e + NETCONN_OFF_RADDR);
	rec(BPF_CGROUP_INET4_CONNECT, IPPROTO_TCP);
}

/* Parse e into ev; it must make a frame the wire takes. */
static void event_of(void)
{
	struct netconn c;

	assert_int_equal(netconn_parse(e, sizeof(e), &c), 0);
	netconn_event(&c, &ev);
	assert_true(frame_encode(&ev, WIRE_EXTENDED, frame, sizeof(frame)) > 0);
}

static void results(void **state)
{
	(void)state;
	make(NETCONN_K_RESULT, NETCONN_S_PENDING);
	put32(NETCONN_OFF_RESULT, NETCONN_R_REFUSED);
	event_of();
	assert_int_equal(ev.source, PS_NET_CONNECT_RESULT);
	assert_int_equal(ev.pid, 4242);		/* the caller's, not softirq's */
	assert_int_equal(ev.mono_ns, 5000);
	assert_int_equal(ev.uid, 1000);
	assert_int_equal(ev.comm.len, 4);
	assert_memory_equal(ev.comm.s, "curl", 4);
	assert_text(&ev, EVK_RESULT, "refused");
	assert_text(&ev, EVK_SRC, "10.0.0.9:40000");
	assert_text(&ev, EVK_DST, "10.1.2.3:8080");
	assert_text(&ev, EVK_PROTO, "tcp");
	assert_int_equal(ev.duration_ns, 4000);
	/* failed locally: no source port yet, no src */
	put32(NETCONN_OFF_RESULT, NETCONN_R_FAILED);
	put32(NETCONN_OFF_LPORT, 0);
	event_of();
	assert_text(&ev, EVK_RESULT, "failed");
	assert_false(ev.has & EVK_BIT(EVK_SRC));
	assert_string_equal(netconn_result_name(NETCONN_R_ESTABLISHED),
			    "established");
	assert_null(netconn_result_name(NETCONN_R_N));
}

static void accepted(void **state)
{
	(void)state;
	make(NETCONN_K_ACCEPTED, NETCONN_S_IN);
	rec(BPF_CGROUP_INET4_BIND, IPPROTO_TCP);
	event_of();
	assert_int_equal(ev.source, PS_NET_ACCEPTED);
	assert_int_equal(ev.pid, 4242);		/* the listener's binder */
	assert_text(&ev, EVK_SRC, "10.1.2.3:8080");	/* the peer */
	assert_text(&ev, EVK_DST, "10.0.0.9:40000");	/* our listener */
	/* a listener nobody bound in view: the all-zero entry's, no pid */
	memset(e + NETCONN_OFF_REC, 0, NETREC_SIZE);
	event_of();
	assert_int_equal(ev.pid, 0);
	assert_int_equal(ev.comm.len, 0);
	assert_false(ev.has & EVK_BIT(EVK_UID));
	assert_text(&ev, EVK_PROTO, "tcp");
}

/* The closed event's two byte counts for sequence state (old, rcv_fw2,
 * snd_una, snd_nxt, rcv_nxt) and sequence-space counts acked, rcvd. */
static void closed_bytes(uint32_t status, uint32_t old, uint32_t fw2,
			 uint32_t una, uint32_t nxt, uint32_t rnxt,
			 uint64_t acked, uint64_t rcvd, uint64_t want_sent,
			 uint64_t want_rcvd)
{
	make(NETCONN_K_CLOSED, status);
	put64(NETCONN_OFF_EST, 2000);
	put64(NETCONN_OFF_SENT, acked);
	put64(NETCONN_OFF_RCVD, rcvd);
	put32(NETCONN_OFF_OLDSTATE, old);
	put32(NETCONN_OFF_RCVFW2, fw2);
	put32(NETCONN_OFF_SNDUNA, una);
	put32(NETCONN_OFF_SNDNXT, nxt);
	put32(NETCONN_OFF_RCVNXT, rnxt);
	event_of();
	assert_int_equal(ev.source, PS_NET_CLOSED);
	assert_int_equal(ev.bytes_sent, want_sent);
	assert_int_equal(ev.bytes_received, want_rcvd);
	assert_int_equal(ev.duration_ns, 3000);		/* since established */
}

static void closed_tcp(void **state)
{
	(void)state;
	/* we closed first, then the peer's FIN: FIN_WAIT2 and rcv_nxt moved */
	closed_bytes(NETCONN_S_OUT, BPF_TCP_FIN_WAIT2, 100, 9, 9, 101,
		     1002, 301, 1000, 300);
	assert_text(&ev, EVK_DIRECTION, "outbound");
	assert_text(&ev, EVK_SRC, "10.0.0.9:40000");
	assert_text(&ev, EVK_DST, "10.1.2.3:8080");
	/* we closed first, orphaned: time-wait before the peer's FIN */
	closed_bytes(NETCONN_S_OUT, BPF_TCP_FIN_WAIT2, 100, 9, 9, 100,
		     1002, 300, 1000, 300);
	/* the peer closed first: LAST_ACK, everything acknowledged */
	closed_bytes(NETCONN_S_IN, BPF_TCP_LAST_ACK, 0, 9, 9, 5,
		     301, 1001, 300, 1000);
	assert_text(&ev, EVK_DIRECTION, "inbound");
	assert_text(&ev, EVK_SRC, "10.1.2.3:8080");
	assert_text(&ev, EVK_DST, "10.0.0.9:40000");
	/* LAST_ACK ended by a reset: our FIN unacknowledged */
	closed_bytes(NETCONN_S_IN, BPF_TCP_LAST_ACK, 0, 8, 9, 5,
		     300, 1001, 300, 1000);
	/* reset while established: no FIN either way; the SYN comes out */
	closed_bytes(NETCONN_S_OUT, BPF_TCP_ESTABLISHED, 0, 9, 9, 5,
		     51, 7, 50, 7);
	/* nothing acknowledged at all cannot go below zero */
	closed_bytes(NETCONN_S_OUT, BPF_TCP_FIN_WAIT2, 5, 9, 9, 6, 1, 0, 0, 0);
}

static void closed_udp(void **state)
{
	(void)state;
	make(NETCONN_K_CLOSED, NETCONN_S_PENDING);
	rec(BPF_CGROUP_UDP4_SENDMSG, IPPROTO_UDP);
	put32(NETCONN_OFF_RPORT, 0);		/* unconnected */
	memset(e + NETCONN_OFF_RADDR, 0, 16);
	put64(NETCONN_OFF_SENT, 300);
	put64(NETCONN_OFF_DGRAMS, 3);
	event_of();
	assert_text(&ev, EVK_PROTO, "udp");
	assert_text(&ev, EVK_DST, "10.1.2.3:8080");	/* its first destination */
	assert_int_equal(ev.bytes_sent, 300);
	assert_int_equal(ev.datagrams_sent, 3);
	assert_false(ev.has & EVK_BIT(EVK_BYTES_RECEIVED));
	assert_int_equal(ev.duration_ns, 4000);		/* since the first send */
}

static void rejects(void **state)
{
	struct netconn c;

	(void)state;
	make(NETCONN_K_RESULT, NETCONN_S_PENDING);
	assert_int_equal(netconn_parse(e, sizeof(e) - 1, &c), -1);
	put32(NETCONN_OFF_MAGIC, NETREC_MAGIC);
	assert_int_equal(netconn_parse(e, sizeof(e), &c), -1);
	make(0, NETCONN_S_PENDING);
	assert_int_equal(netconn_parse(e, sizeof(e), &c), -1);
	make(NETCONN_K_CLOSED + 1, NETCONN_S_PENDING);
	assert_int_equal(netconn_parse(e, sizeof(e), &c), -1);
	make(NETCONN_K_RESULT, NETCONN_S_PENDING);
	put32(NETCONN_OFF_RESULT, NETCONN_R_N);
	assert_int_equal(netconn_parse(e, sizeof(e), &c), -1);
	make(NETCONN_K_CLOSED, NETCONN_S_OUT);
	put32(NETCONN_OFF_FAMILY, AF_UNIX);
	assert_int_equal(netconn_parse(e, sizeof(e), &c), -1);
	make(NETCONN_K_CLOSED, NETCONN_S_OUT);	/* only accepted may lack it */
	memset(e + NETCONN_OFF_REC, 0, NETREC_SIZE);
	assert_int_equal(netconn_parse(e, sizeof(e), &c), -1);
}

static void stale(void **state)
{
	const uint64_t ttl = 100;

	(void)state;
	make(0, NETCONN_S_PENDING);		/* a connect, called at 1000 */
	assert_false(netconn_stale(e, sizeof(e), 1100, ttl));
	assert_true(netconn_stale(e, sizeof(e), 1101, ttl));
	assert_false(netconn_stale(e, sizeof(e) - 1, 5000, ttl));
	rec(BPF_CGROUP_INET4_BIND, IPPROTO_TCP);	/* a listener: never */
	assert_false(netconn_stale(e, sizeof(e), 99999, ttl));
	rec(BPF_CGROUP_UDP4_SENDMSG, IPPROTO_UDP);	/* UDP: never */
	assert_false(netconn_stale(e, sizeof(e), 99999, ttl));
	make(0, NETCONN_S_OUT);			/* open: never */
	assert_false(netconn_stale(e, sizeof(e), 99999, ttl));
	put32(NETCONN_OFF_FLAGS, NETCONN_F_RELEASED);	/* closed at NOW=5000 */
	assert_false(netconn_stale(e, sizeof(e), 5100, ttl));
	assert_true(netconn_stale(e, sizeof(e), 5101, ttl));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(results),
		cmocka_unit_test(accepted),
		cmocka_unit_test(closed_tcp),
		cmocka_unit_test(closed_udp),
		cmocka_unit_test(rejects),
		cmocka_unit_test(stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
