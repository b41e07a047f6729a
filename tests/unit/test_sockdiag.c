/*
 * test_sockdiag.c: the fallbacks' parsers: sock_diag datagrams
 * (src/agent/sockdiag.c) and /proc/net lines (procnet.c), and the event a
 * fallback makes of a socket (netsock.c).
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
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "agent/netsock.h"
#include "agent/procnet.h"
#include "agent/sockdiag.h"
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

static size_t put_ctl(size_t off, int type, int err)
{
	struct nlmsghdr h = { 0 };

	h.nlmsg_len = NLMSG_HDRLEN + 4;
	h.nlmsg_type = (uint16_t)type;
	memcpy(dg + off, &h, sizeof(h));
	memcpy(dg + off + NLMSG_HDRLEN, &err, 4);
	return off + NLMSG_HDRLEN + 4;
}

static void text_is(int key, const char *want)
{
	size_t n;
	const char *s = event_text(&ev, key, &n);

	assert_true(ev.has & EVK_BIT(key));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
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
	text_is(EVK_SRC, "0.0.0.0:36068");
	text_is(EVK_DST, "127.77.1.2:0");
	text_is(EVK_STATE, "close");
	text_is(EVK_PROTO, "tcp");
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
	assert_int_equal(sockdiag_next(&it, IPPROTO_UDP, &ns, &err), SOCKDIAG_SOCK);
	assert_int_equal(ns.proto, IPPROTO_UDP);	/* no attribute */
	assert_int_equal(it.seq, 9);
	netsock_event(&ns, &ev, 99);
	text_is(EVK_DST, "[::1]:0");
	text_is(EVK_FAMILY, "ipv6");
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_DONE);
	assert_int_equal(sockdiag_next(&it, 0, &ns, &err), SOCKDIAG_END);
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

#define LINE(s) s, sizeof(s) - 1

static void proc_lines(void **state)
{
	struct netsock ns;

	(void)state;
	assert_int_equal(procnet_line(LINE("  sl  local_address rem_address   st "
		"tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"),
		AF_INET, IPPROTO_TCP, &ns), PROCNET_HEADER);
	assert_int_equal(procnet_line(LINE("   3: 0100007F:A1C4 0301414D:0035 01 "
		"00000000:00000000 00:00000000 00000000  1000        0 98765 1 "
		"0000000000000000 20 4 30 10 -1"), AF_INET, IPPROTO_TCP, &ns),
		PROCNET_SOCK);
	assert_int_equal(ns.sport, 0xA1C4);
	assert_int_equal(ns.dport, 53);
	assert_int_equal(ns.state, 1);
	assert_int_equal(ns.uid, 1000);
	assert_true(ns.has_uid);
	assert_int_equal(ns.inode, 98765);
	netsock_event(&ns, &ev, 1);
	text_is(EVK_SRC, "127.0.0.1:41412");
	text_is(EVK_DST, "77.65.1.3:53");
	text_is(EVK_STATE, "established");
	assert_int_equal(ev.uid, 1000);
	/* IPv6: four native-order words; a TIME_WAIT entry has no inode. */
	assert_int_equal(procnet_line(LINE("   0: 00000000000000000000000001000000:"
		"8AE2 00000000000000000000000001000000:0016 06 00000000:00000000 "
		"03:00001385 00000000     0        0 0 3 0000000000000000"),
		AF_INET6, IPPROTO_TCP, &ns), PROCNET_SOCK);
	assert_false(ns.has_uid);
	netsock_event(&ns, &ev, 1);
	text_is(EVK_DST, "[::1]:22");
	text_is(EVK_STATE, "time-wait");
	assert_false(ev.has & EVK_BIT(EVK_UID));
	assert_int_equal(procnet_line(LINE("   0: 0100007F:A1C4 0301414D:0035 01"),
				      AF_INET, IPPROTO_TCP, &ns), PROCNET_BAD);
	assert_int_equal(procnet_line(LINE("   3: 0100007G:A1C4 0301414D:0035 01 "
		"00000000:00000000 00:00000000 00000000  1000 0 98765"),
		AF_INET, IPPROTO_TCP, &ns), PROCNET_BAD);
	assert_int_equal(procnet_line(LINE("   3: 0100007F:A1C4 0301414D:0035 01 "
		"00000000:00000000 00:00000000 00000000  99999999999 0 98765"),
		AF_INET, IPPROTO_TCP, &ns), PROCNET_BAD);
	/* An IPv4 line read as an IPv6 file. */
	assert_int_equal(procnet_line(LINE("   3: 0100007F:A1C4 0301414D:0035 01 "
		"00000000:00000000 00:00000000 00000000  1000 0 98765"),
		AF_INET6, IPPROTO_TCP, &ns), PROCNET_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(destroy_messages),
		cmocka_unit_test(errors_and_bad),
		cmocka_unit_test(dump_request),
		cmocka_unit_test(destroy_groups),
		cmocka_unit_test(proc_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
