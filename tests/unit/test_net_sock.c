/*
 * test_net_sock.c: the event a fallback makes of a socket it saw
 * (src/agent/net/net_sock.c): no pid, no comm, the uid only when the
 * kernel said it, src and dst in their text forms, the TCP state by name
 * (none for a state the kernel may add later), and an event the wire
 * takes.
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
#include "agent/net/net_sock.h"
#include "wire/frame.h"

static struct event ev;

/* A socket 10.0.0.1:40000 -> 93.184.216.34:443 of proto and state. */
static struct netsock sock4(int proto, int state)
{
	struct netsock ns;

	memset(&ns, 0, sizeof(ns));
	ns.family = AF_INET;
	ns.proto = (uint8_t)proto;
	ns.state = (uint8_t)state;
	ns.sport = 40000;
	ns.dport = 443;
	inet_pton(AF_INET, "10.0.0.1", ns.src);
	inet_pton(AF_INET, "93.184.216.34", ns.dst);
	return ns;
}

static void connect_v4(void **state)
{
	struct netsock ns = sock4(IPPROTO_TCP, 2);

	(void)state;
	ns.has_uid = 1;
	ns.uid = 65534;
	netsock_event(&ns, &ev, 12345);
	assert_int_equal(ev.source, PS_NET_CONNECT_ATTEMPTED);
	assert_int_equal(ev.pid, 0);
	assert_int_equal(ev.comm.len, 0);
	assert_int_equal(ev.mono_ns, 12345);
	assert_int_equal(ev.uid, 65534);
	assert_text(&ev, EVK_PROTO, "tcp");
	assert_text(&ev, EVK_FAMILY, "ipv4");
	assert_text(&ev, EVK_SRC, "10.0.0.1:40000");
	assert_text(&ev, EVK_DST, "93.184.216.34:443");
	assert_text(&ev, EVK_STATE, "syn-sent");
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
}

static void no_uid_unknown_state(void **state)
{
	struct netsock ns = sock4(IPPROTO_UDP, 99);

	(void)state;
	netsock_event(&ns, &ev, 1);
	assert_false(ev.has & EVK_BIT(EVK_UID));
	assert_false(ev.has & EVK_BIT(EVK_STATE));
	assert_text(&ev, EVK_PROTO, "udp");
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
}

static void v6(void **state)
{
	struct netsock ns;

	(void)state;
	memset(&ns, 0, sizeof(ns));
	ns.family = AF_INET6;
	ns.proto = IPPROTO_TCP;
	ns.state = 7;
	ns.sport = 1;
	inet_pton(AF_INET6, "::1", ns.src);
	inet_pton(AF_INET6, "2001:db8::1", ns.dst);
	netsock_event(&ns, &ev, 1);
	assert_text(&ev, EVK_FAMILY, "ipv6");
	assert_text(&ev, EVK_SRC, "[::1]:1");
	assert_text(&ev, EVK_DST, "[2001:db8::1]:0");
	assert_text(&ev, EVK_STATE, "close");
}

/* The outcome events of a fallback: no pid; an accepted socket's peer is
 * `src`; closed with tcp_info's bytes when it had them. */
static void outcomes(void **state)
{
	struct netsock ns = sock4(IPPROTO_TCP, 7);

	(void)state;
	assert_false(netsock_established(&ns));		/* no info, CLOSE */
	netsock_outcome(&ns, PS_NET_CONNECT_RESULT, 0, &ev, 5);
	assert_int_equal(ev.source, PS_NET_CONNECT_RESULT);
	assert_int_equal(ev.pid, 0);
	assert_text(&ev, EVK_RESULT, "failed");
	assert_text(&ev, EVK_SRC, "10.0.0.1:40000");
	ns.has_info = 1;
	ns.bytes_acked = 1235;		/* SYN + 1234 */
	ns.bytes_sent = 1234;
	ns.bytes_received = 322;
	assert_true(netsock_established(&ns));
	netsock_outcome(&ns, PS_NET_CONNECT_RESULT, 0, &ev, 5);
	assert_text(&ev, EVK_RESULT, "established");
	assert_false(ev.has & EVK_BIT(EVK_BYTES_SENT));
	netsock_outcome(&ns, PS_NET_CLOSED, 0, &ev, 6);
	assert_text(&ev, EVK_DIRECTION, "outbound");
	assert_text(&ev, EVK_STATE, "close");
	assert_int_equal(ev.bytes_sent, 1234);
	assert_int_equal(ev.bytes_received, 322);
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
	netsock_outcome(&ns, PS_NET_ACCEPTED, 1, &ev, 7);
	assert_int_equal(ev.source, PS_NET_ACCEPTED);
	assert_text(&ev, EVK_SRC, "93.184.216.34:443");
	assert_text(&ev, EVK_DST, "10.0.0.1:40000");
	assert_false(ev.has & EVK_BIT(EVK_RESULT));
	ns.has_info = 0;		/* /proc: past SYN_SENT is established */
	ns.state = 1;
	assert_true(netsock_established(&ns));
	netsock_outcome(&ns, PS_NET_CLOSED, 1, &ev, 8);
	assert_text(&ev, EVK_DIRECTION, "inbound");
	assert_false(ev.has & EVK_BIT(EVK_BYTES_SENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connect_v4),
		cmocka_unit_test(no_uid_unknown_state),
		cmocka_unit_test(v6),
		cmocka_unit_test(outcomes),
	};

	return cmocka_run_group_tests_name("net_sock", tests, NULL, NULL);
}
