/*
 * test_net_bpfrec.c: the BPF ring-buffer record parser and its event
 * (src/agent/net/net_bpfrec.c).
 * Records are built here byte by byte as the programs lay them out.
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
#include "agent/net/net_bpfrec.h"
#include "wire/frame.h"

static uint8_t rec[NETREC_SIZE];
static struct event ev;

static void put32(size_t off, uint32_t v)
{
	memcpy(rec + off, &v, 4);
}

static void put64(size_t off, uint64_t v)
{
	memcpy(rec + off, &v, 8);
}

/* A connect4 record from pid 4242 (tid 4243), uid 1000, to 10.1.2.3:8080. */
static void make_v4(void)
{
	uint32_t port = htons(8080);	/* low 16 bits, network order */

	memset(rec, 0, sizeof(rec));
	put32(NETREC_OFF_MAGIC, NETREC_MAGIC);
	put32(NETREC_OFF_ATTACH, BPF_CGROUP_INET4_CONNECT);
	put64(NETREC_OFF_PIDTGID, (uint64_t)4242 << 32 | 4243);
	put64(NETREC_OFF_UIDGID, (uint64_t)100 << 32 | 1000);
	put64(NETREC_OFF_KTIME, 123456789);
	put64(NETREC_OFF_COOKIE, 77);
	put32(NETREC_OFF_TYPE, SOCK_STREAM);
	put32(NETREC_OFF_PROTO, IPPROTO_TCP);
	put32(NETREC_OFF_PORT, port);
	inet_pton(AF_INET, "10.1.2.3", rec + NETREC_OFF_ADDR);
	memcpy(rec + NETREC_OFF_COMM, "curl", 4);
}

static void v4_connect(void **state)
{
	struct netrec r;

	(void)state;
	make_v4();
	assert_int_equal(netrec_parse(rec, sizeof(rec), &r), 0);
	assert_int_equal(r.pid, 4242);
	assert_int_equal(r.tid, 4243);
	assert_int_equal(r.uid, 1000);
	assert_int_equal(r.gid, 100);
	assert_int_equal(r.port, 8080);
	assert_int_equal(r.cookie, 77);
	assert_int_equal(r.comm_len, 4);
	assert_int_equal(r.family, AF_INET);
	netrec_event(&r, &ev);
	assert_int_equal(ev.source, PS_NET_CONNECT_ATTEMPTED);
	assert_int_equal(ev.pid, 4242);
	assert_int_equal(ev.mono_ns, 123456789);
	assert_int_equal(ev.uid, 1000);
	assert_int_equal(ev.comm.len, 4);
	assert_memory_equal(ev.comm.s, "curl", 4);
	assert_text(&ev, EVK_PROTO, "tcp");
	assert_text(&ev, EVK_FAMILY, "ipv4");
	assert_text(&ev, EVK_DST, "10.1.2.3:8080");
	assert_false(ev.has & EVK_BIT(EVK_SRC));
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
}

static void v6_sendmsg(void **state)
{
	struct netrec r;

	(void)state;
	make_v4();
	put32(NETREC_OFF_ATTACH, BPF_CGROUP_UDP6_SENDMSG);
	put32(NETREC_OFF_PROTO, IPPROTO_UDP);
	put32(NETREC_OFF_PORT, htons(53));
	inet_pton(AF_INET6, "2001:db8::1", rec + NETREC_OFF_ADDR);
	/* A full 16-byte comm has no NUL. */
	memcpy(rec + NETREC_OFF_COMM, "0123456789abcdef", 16);
	assert_int_equal(netrec_parse(rec, sizeof(rec), &r), 0);
	assert_int_equal(r.comm_len, 16);
	assert_int_equal(r.family, AF_INET6);
	netrec_event(&r, &ev);
	assert_text(&ev, EVK_PROTO, "udp");
	assert_text(&ev, EVK_FAMILY, "ipv6");
	assert_text(&ev, EVK_DST, "[2001:db8::1]:53");
	assert_int_equal(ev.comm.len, 16);
}

static void rejects(void **state)
{
	struct netrec r;

	(void)state;
	make_v4();
	assert_int_equal(netrec_parse(rec, NETREC_SIZE - 1, &r), -1);
	put32(NETREC_OFF_MAGIC, 0);
	assert_int_equal(netrec_parse(rec, sizeof(rec), &r), -1);
	make_v4();
	put32(NETREC_OFF_ATTACH, BPF_CGROUP_INET_EGRESS);
	assert_int_equal(netrec_parse(rec, sizeof(rec), &r), -1);
	/* bind records are ours too (the connection table's listeners) */
	put32(NETREC_OFF_ATTACH, BPF_CGROUP_INET6_BIND);
	assert_int_equal(netrec_parse(rec, sizeof(rec), &r), 0);
	assert_int_equal(r.family, AF_INET6);
}

static void comm_not_utf8(void **state)
{
	struct netrec r;

	(void)state;
	make_v4();
	memset(rec + NETREC_OFF_COMM, 0, 16);
	memcpy(rec + NETREC_OFF_COMM, "a\xff" "b", 3);
	assert_int_equal(netrec_parse(rec, sizeof(rec), &r), 0);
	netrec_event(&r, &ev);
	/* The bad byte becomes U+FFFD: the event still encodes. */
	assert_int_equal(ev.comm.len, 5);
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_connect),
		cmocka_unit_test(v6_sendmsg),
		cmocka_unit_test(rejects),
		cmocka_unit_test(comm_not_utf8),
	};

	return cmocka_run_group_tests_name("net_bpfrec", tests, NULL, NULL);
}
