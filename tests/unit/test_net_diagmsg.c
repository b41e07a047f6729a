/*
 * test_net_diagmsg.c: the sock_diag fallback's messages
 * (src/agent/net/net_diagmsg.c): destroy and dump replies parsed into
 * sockets, errors and bad messages, the dump request, the destroy groups.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "checks.h"
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include "agent/net/net_sock.h"
#include "agent/net/net_diagmsg.h"
#include "wire/frame.h"

static uint8_t dg[1024];
static struct event ev;

/* Append one SOCK_DIAG_BY_FAMILY message like a destroy of a refused
 * connect: 0.0.0.0:36068 -> 127.77.1.2:0, state close, cookie 5, with
 * an INET_DIAG_PROTOCOL attribute when proto >= 0. */
static size_t put_sock(size_t off, int family, int proto, uint32_t seq)
{
	struct nlmsghdr h = { 0 };
	struct inet_diag_msg m;
	uint8_t attr[8] = { 5, 0, INET_DIAG_PROTOCOL, 0, 0, 0, 0, 0 };
	size_t len = NLMSG_HDRLEN + sizeof(m) + (proto >= 0 ? 8 : 0);

	memset(&m, 0, sizeof(m));
	m.idiag_family = (uint8_t)family;
	m.idiag_state = 7;
	m.id.idiag_sport = htons(36068);
	m.id.idiag_dport = 0;
	if (family == AF_INET)
		inet_pton(AF_INET, "127.77.1.2", m.id.idiag_dst);
	else
		inet_pton(AF_INET6, "::1", m.id.idiag_dst);
	m.id.idiag_cookie[0] = 5;
	m.id.idiag_cookie[1] = 1;
	h.nlmsg_len = (uint32_t)len;
	h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h.nlmsg_seq = seq;
	memcpy(dg + off, &h, sizeof(h));
	memcpy(dg + off + NLMSG_HDRLEN, &m, sizeof(m));
	attr[4] = (uint8_t)proto;
	if (proto >= 0)
		memcpy(dg + off + NLMSG_HDRLEN + sizeof(m), attr, 8);
	return off + ((len + 3) & ~(size_t)3);
}

/* Append a destroy of an established TCP connection with an
 * INET_DIAG_INFO of info_len bytes of struct tcp_info (after a pad
 * attribute, as nla_reserve_64bit may put one). */
static size_t put_tcp_info(size_t off, size_t info_len)
{
	struct nlmsghdr h = { 0 };
	struct inet_diag_msg m;
	struct tcp_info ti;
	struct nlattr pad = { 4, INET_DIAG_PAD }, a;
	size_t at = off + NLMSG_HDRLEN + sizeof(m), len;

	memset(&m, 0, sizeof(m));
	memset(&ti, 0, sizeof(ti));
	m.idiag_family = AF_INET;
	m.idiag_state = 7;
	m.id.idiag_sport = htons(40000);
	m.id.idiag_dport = htons(80);
	inet_pton(AF_INET, "127.77.1.2", m.id.idiag_dst);
	ti.tcpi_bytes_acked = 1235;
	ti.tcpi_bytes_received = 78;
	ti.tcpi_bytes_sent = 1300;
	ti.tcpi_bytes_retrans = 66;
	memcpy(dg + at, &pad, sizeof(pad));
	at += sizeof(pad);
	a.nla_len = (uint16_t)(sizeof(a) + info_len);
	a.nla_type = INET_DIAG_INFO;
	memcpy(dg + at, &a, sizeof(a));
	memcpy(dg + at + sizeof(a), &ti, info_len);
	len = at + ((sizeof(a) + info_len + 3) & ~(size_t)3) - off;
	h.nlmsg_len = (uint32_t)len;
	h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	memcpy(dg + off, &h, sizeof(h));
	memcpy(dg + off + NLMSG_HDRLEN, &m, sizeof(m));
	return off + len;
}

static size_t put_ctl(size_t off, int type, int err)
{
	struct nlmsghdr h = { 0 };

	h.nlmsg_len = NLMSG_HDRLEN + 4;
	h.nlmsg_type = (uint16_t)type;
	memcpy(dg + off, &h, sizeof(h));
	memcpy(dg + off + NLMSG_HDRLEN, &err, 4);
	return off + NLMSG_HDRLEN + 4;
}

static void destroy_messages(void **state)
{
	struct sockdiag_it it = { dg, 0, 0, 0 };
	struct netsock ns;
	int err = 0;

	(void)state;
	it.len = put_sock(0, AF_INET, IPPROTO_TCP, 0);
	it.len = put_sock(it.len, AF_INET6, -1, 9);
	it.len = put_ctl(it.len, NLMSG_DONE, 0);
	assert_int_equal(sockdiag_next(&it, IPPROTO_UDP, &ns, &err), SOCKDIAG_SOCK);
	assert_int_equal(ns.proto, IPPROTO_TCP);	/* the attribute wins */
	assert_int_equal(ns.cookie, (1ull << 32) | 5);
	assert_int_equal(ns.sport, 36068);
	assert_int_equal(ns.dport, 0);
	assert_false(ns.has_uid);
	netsock_event(&ns, &ev, 99);
	assert_int_equal(ev.pid, 0);
	assert_int_equal(ev.comm.len, 0);
	assert_false(ev.has & EVK_BIT(EVK_UID));
	assert_text(&ev, EVK_SRC, "0.0.0.0:36068");
	assert_text(&ev, EVK_DST, "127.77.1.2:0");
	assert_text(&ev, EVK_STATE, "close");
	assert_text(&ev, EVK_PROTO, "tcp");
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
	assert_int_equal(sockdiag_next(&it, IPPROTO_UDP, &ns, &err), SOCKDIAG_SOCK);
	assert_int_equal(ns.proto, IPPROTO_UDP);	/* no attribute */
	assert_int_equal(it.seq, 9);
	netsock_event(&ns, &ev, 99);
	assert_text(&ev, EVK_DST, "[::1]:0");
	assert_text(&ev, EVK_FAMILY, "ipv6");
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_DONE);
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_END);
}

/* tcp_info's counters: payload sent once each, sequence bytes in; a
 * tcp_info too short for them (before 4.19) gives none. */
static void destroy_tcp_info(void **state)
{
	struct sockdiag_it it = { dg, 0, 0, 0 };
	struct netsock ns;
	int err = 0;

	(void)state;
	it.len = put_tcp_info(0, sizeof(struct tcp_info));
	it.len = put_tcp_info(it.len, offsetof(struct tcp_info, tcpi_bytes_sent));
	assert_int_equal(sockdiag_next(&it, IPPROTO_TCP, &ns, &err), SOCKDIAG_SOCK);
	assert_true(ns.has_info);
	assert_int_equal(ns.bytes_acked, 1235);
	assert_int_equal(ns.bytes_sent, 1234);
	assert_int_equal(ns.bytes_received, 78);
	assert_true(netsock_established(&ns));
	assert_int_equal(sockdiag_next(&it, IPPROTO_TCP, &ns, &err), SOCKDIAG_SOCK);
	assert_false(ns.has_info);
	assert_int_equal(sockdiag_next(&it, IPPROTO_TCP, &ns, &err), SOCKDIAG_END);
	/* UDP has no tcp_info, whatever an attribute says */
	it = (struct sockdiag_it){ dg, put_tcp_info(0, sizeof(struct tcp_info)),
				   0, 0 };
	assert_int_equal(sockdiag_next(&it, IPPROTO_UDP, &ns, &err), SOCKDIAG_SOCK);
	assert_false(ns.has_info);
}

static void errors_and_bad(void **state)
{
	struct sockdiag_it it = { dg, 0, 0, 0 };
	struct netsock ns;
	struct nlmsghdr h;
	int err = 0;

	(void)state;
	it.len = put_ctl(0, NLMSG_ERROR, -ENOENT);
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_ERROR);
	assert_int_equal(err, ENOENT);
	/* An error no kernel sends (found by fuzz_sockdiag: INT_MIN). */
	it.off = 0;
	it.len = put_ctl(0, NLMSG_ERROR, INT_MIN);
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_ERROR);
	assert_int_equal(err, EPROTO);
	/* A length past the datagram. */
	it.len = put_sock(0, AF_INET, IPPROTO_TCP, 0);
	it.off = 0;
	it.len -= 1;
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_BAD);
	/* A message too short for an inet_diag_msg. */
	put_ctl(0, SOCK_DIAG_BY_FAMILY, 0);
	it.off = 0;
	it.len = NLMSG_HDRLEN + 4;
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_BAD);
	/* A length below the header. */
	memset(&h, 0, sizeof(h));
	h.nlmsg_len = 3;
	memcpy(dg, &h, sizeof(h));
	it.off = 0;
	it.len = sizeof(h);
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_BAD);
	/* Another family (AF_UNIX diag) is skipped. */
	it.len = put_sock(0, AF_UNIX, IPPROTO_TCP, 0);
	it.off = 0;
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_SKIP);
}

static void dump_request(void **state)
{
	struct inet_diag_req_v2 r;
	struct nlmsghdr h;
	size_t n;

	(void)state;
	assert_int_equal(sockdiag_dump_req(dg, 10, 1, AF_INET, IPPROTO_TCP, 6), 0);
	n = sockdiag_dump_req(dg, sizeof(dg), 42, AF_INET6, IPPROTO_UDP, 2);
	assert_int_equal(n, NLMSG_HDRLEN + sizeof(r));
	memcpy(&h, dg, sizeof(h));
	memcpy(&r, dg + NLMSG_HDRLEN, sizeof(r));
	assert_int_equal(h.nlmsg_len, n);
	assert_int_equal(h.nlmsg_type, SOCK_DIAG_BY_FAMILY);
	assert_int_equal(h.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(h.nlmsg_seq, 42);
	assert_int_equal(r.sdiag_family, AF_INET6);
	assert_int_equal(r.sdiag_protocol, IPPROTO_UDP);
	assert_int_equal(r.idiag_states, 2);
}

static void destroy_groups(void **state)
{
	int fam = 0;

	(void)state;
	assert_int_equal(sockdiag_group_proto(1u << (SKNLGRP_INET_TCP_DESTROY - 1),
					      &fam), IPPROTO_TCP);
	assert_int_equal(fam, AF_INET);
	assert_int_equal(sockdiag_group_proto(1u << (SKNLGRP_INET6_UDP_DESTROY - 1),
					      &fam), IPPROTO_UDP);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(sockdiag_group_proto(3, &fam), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(destroy_messages),
		cmocka_unit_test(destroy_tcp_info),
		cmocka_unit_test(errors_and_bad),
		cmocka_unit_test(dump_request),
		cmocka_unit_test(destroy_groups),
	};

	return cmocka_run_group_tests_name("net_diagmsg", tests, NULL, NULL);
}
