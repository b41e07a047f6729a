/*
 * test_net_addr.c: the text forms of net.* events
 * (src/agent/net/net_addr.c): addresses with ports, v4-mapped and
 * longest IPv6, buffers too small, unknown families, protocol and TCP
 * state names.
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
#include "agent/net/net_addr.h"

static void addr_text(void **state)
{
	uint8_t a[16] = { 0 };
	char buf[NETADDR_TEXT_MAX], pb[8];

	(void)state;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", a);
	assert_int_equal(netaddr_fmt(buf, sizeof(buf), AF_INET6, a, 65535), 24);
	assert_string_equal(buf, "[::ffff:127.0.0.1]:65535");
	memset(a, 0xff, sizeof(a));
	assert_true(netaddr_fmt(buf, sizeof(buf), AF_INET6, a, 65535) > 0);
	assert_int_equal(netaddr_fmt(buf, 8, AF_INET, a, 1), -1);
	assert_int_equal(netaddr_fmt(buf, sizeof(buf), AF_UNIX, a, 1), -1);
	assert_string_equal(netaddr_proto(132, pb, sizeof(pb)), "sctp");
	assert_string_equal(netaddr_proto(99, pb, sizeof(pb)), "ip99");
	assert_string_equal(netaddr_tcp_state(2), "syn-sent");
	assert_string_equal(netaddr_tcp_state(7), "close");
	assert_null(netaddr_tcp_state(0));
	assert_null(netaddr_tcp_state(99));
	assert_null(netaddr_family(AF_UNIX));
}

/* Bytes all zero, or not. */
static void zero_addr(void **state)
{
	uint8_t a[16] = { 0 };

	(void)state;
	assert_true(netaddr_is_zero(a, 16));
	a[15] = 1;
	assert_true(netaddr_is_zero(a, 4));
	assert_false(netaddr_is_zero(a, 16));
	assert_string_equal(netaddr_family(AF_INET), "ipv4");
	assert_string_equal(netaddr_family(AF_INET6), "ipv6");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_text),
		cmocka_unit_test(zero_addr),
	};

	return cmocka_run_group_tests_name("net_addr", tests, NULL, NULL);
}
