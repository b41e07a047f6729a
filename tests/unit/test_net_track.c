/*
 * test_net_track.c: how the fallbacks decide what is a connect and
 * remember what they reported (src/agent/net/net_track.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "agent/net/net_track.h"

static struct nettrack t;

static struct netsock sock(int proto, int state, uint16_t sport,
			   uint16_t dport, int peer)
{
	struct netsock ns;

	memset(&ns, 0, sizeof(ns));
	ns.family = AF_INET;
	ns.proto = (uint8_t)proto;
	ns.state = (uint8_t)state;
	ns.sport = sport;
	ns.dport = dport;
	if (peer)
		ns.dst[0] = 127, ns.dst[3] = 1;
	return ns;
}

static int cls(int proto, int state, uint16_t sport, uint16_t dport, int peer)
{
	struct netsock ns = sock(proto, state, sport, dport, peer);

	return nettrack_classify(&t, &ns);
}

static void classify(void **state)
{
	(void)state;
	nettrack_init(&t, 32768, 60999, 2);
	/* Refused: destination port zeroed, address kept. */
	assert_int_equal(cls(IPPROTO_TCP, 7, 40000, 0, 1), NETTRACK_ACTIVE);
	assert_int_equal(cls(IPPROTO_TCP, 2, 40000, 80, 1), NETTRACK_ACTIVE);
	/* Unconnected and listening sockets are not attempts. */
	assert_int_equal(cls(IPPROTO_TCP, 7, 40000, 0, 0), NETTRACK_SKIP);
	assert_int_equal(cls(IPPROTO_TCP, 10, 80, 0, 0), NETTRACK_SKIP);
	assert_int_equal(cls(IPPROTO_UDP, 7, 40000, 0, 0), NETTRACK_SKIP);
	assert_int_equal(cls(IPPROTO_UDP, 1, 40000, 53, 1), NETTRACK_ACTIVE);
	/* Client (ephemeral -> service) and server side, by port range. */
	assert_int_equal(cls(IPPROTO_TCP, 1, 40000, 443, 1), NETTRACK_ACTIVE);
	assert_int_equal(cls(IPPROTO_TCP, 1, 443, 40000, 1), NETTRACK_PASSIVE);
	assert_int_equal(cls(IPPROTO_TCP, 3, 443, 40000, 1), NETTRACK_PASSIVE);
	/* Both ephemeral: active unless the local port is a listener's. */
	assert_int_equal(cls(IPPROTO_TCP, 1, 40001, 40002, 1), NETTRACK_ACTIVE);
	nettrack_listener(&t, 40001);
	assert_int_equal(cls(IPPROTO_TCP, 1, 40001, 40002, 1), NETTRACK_PASSIVE);
	/* Still known after the round that saw it ends. */
	nettrack_round_end(&t);
	assert_int_equal(cls(IPPROTO_TCP, 1, 40001, 40002, 1), NETTRACK_PASSIVE);
	/* Gone once a round does not see it. */
	nettrack_round_end(&t);
	assert_int_equal(cls(IPPROTO_TCP, 1, 40001, 40002, 1), NETTRACK_ACTIVE);
}

static void seen_and_aging(void **state)
{
	(void)state;
	nettrack_init(&t, 32768, 60999, 2);
	assert_false(nettrack_seen(&t, 5));
	assert_int_equal(nettrack_add(&t, 4, NETTRACK_PASSIVE), 0);
	assert_int_equal(nettrack_seen(&t, 4), NETTRACK_PASSIVE);
	assert_int_equal(nettrack_add(&t, 5, NETTRACK_ACTIVE), 0);	/* round 1 */
	assert_int_equal(nettrack_add(&t, 6, NETTRACK_ACTIVE), 0);
	nettrack_round_end(&t);
	assert_int_equal(nettrack_seen(&t, 4), NETTRACK_PASSIVE); /* kept */
	assert_true(nettrack_seen(&t, 5));		/* round 2: refreshes 5 */
	nettrack_round_end(&t);
	nettrack_round_end(&t);				/* round 3: 6 unseen twice */
	assert_false(nettrack_seen(&t, 6));
	assert_true(nettrack_seen(&t, 5));
	/* keep_rounds 1 (the /proc poller): kept through the round that saw
	 * it, gone after the first round that does not. */
	nettrack_init(&t, 32768, 60999, 1);
	nettrack_add(&t, 9, NETTRACK_ACTIVE);
	nettrack_round_end(&t);
	nettrack_round_end(&t);
	assert_false(nettrack_seen(&t, 9));
	nettrack_add(&t, 10, NETTRACK_ACTIVE);
	nettrack_round_end(&t);
	assert_true(nettrack_seen(&t, 10));
}

static void table_full(void **state)
{
	uint64_t k, limit = NET_TRACK_SEEN - NET_TRACK_SEEN / 4;

	(void)state;
	nettrack_init(&t, 32768, 60999, 2);
	for (k = 1; k <= limit; k++)
		assert_int_equal(nettrack_add(&t, k * 7919, NETTRACK_ACTIVE), 0);
	assert_int_equal(nettrack_add(&t, 3, NETTRACK_ACTIVE), -1);
	assert_int_equal(t.full, 1);
	assert_int_equal(nettrack_add(&t, 7919, NETTRACK_ACTIVE), 0);	/* already there */
	for (k = 1; k <= limit; k++)
		assert_true(nettrack_seen(&t, k * 7919));
	assert_int_equal(nettrack_add(&t, 0, NETTRACK_ACTIVE), 0);	/* 0 is never stored */
	assert_false(nettrack_seen(&t, 0));
}

static void port_range(void **state)
{
	uint16_t lo, hi;

	(void)state;
	assert_int_equal(nettrack_parse_range("32768\t60999\n", 12, &lo, &hi), 0);
	assert_int_equal(lo, 32768);
	assert_int_equal(hi, 60999);
	assert_int_equal(nettrack_parse_range("1024 65535", 10, &lo, &hi), 0);
	assert_int_equal(hi, 65535);
	assert_int_equal(nettrack_parse_range("2 1", 3, &lo, &hi), -1);
	assert_int_equal(nettrack_parse_range("1 70000", 7, &lo, &hi), -1);
	assert_int_equal(nettrack_parse_range("1", 1, &lo, &hi), -1);
	assert_int_equal(nettrack_parse_range("x 2", 3, &lo, &hi), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify),
		cmocka_unit_test(seen_and_aging),
		cmocka_unit_test(table_full),
		cmocka_unit_test(port_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
