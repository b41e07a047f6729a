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

/* The agent's own IPv6 text (musl's inet_ntop would bring stdio) is the
 * C library's, here glibc's, for 20,000 addresses with zero runs of every
 * length and place; IPv4-compatible ones (96 zero bits, deprecated) are
 * left out: glibc writes them dotted, RFC 5952 does not. */
static void ipv6_as_libc(void **state)
{
	uint8_t a[16];
	char want[INET6_ADDRSTRLEN + 8], buf[NETADDR_TEXT_MAX];
	unsigned seed = 1, i, k;

	(void)state;
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < 16; k += 2) {
			seed = seed * 1103515245u + 12345u;
			/* a group is zero half the time, small a quarter */
			a[k] = (seed >> 16) % 4 < 3 ? 0 : (uint8_t)(seed >> 8);
			a[k + 1] = (seed >> 16) % 4 < 2 ? 0 : (uint8_t)(seed >> 24);
		}
		if (i % 7 == 0)
			memcpy(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
		if (netaddr_is_zero(a, 12) && !netaddr_is_zero(a + 12, 2))
			continue;
		inet_ntop(AF_INET6, a, want + 1, INET6_ADDRSTRLEN);
		want[0] = '[';
		strcat(want, "]:7");
		assert_int_equal(netaddr_fmt(buf, sizeof(buf), AF_INET6, a, 7),
				 (int)strlen(want));
		assert_string_equal(buf, want);
	}
	inet_pton(AF_INET, "10.200.3.4", a);
	assert_int_equal(netaddr_fmt(buf, sizeof(buf), AF_INET, a, 443), 14);
	assert_string_equal(buf, "10.200.3.4:443");
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
		cmocka_unit_test(ipv6_as_libc),
		cmocka_unit_test(zero_addr),
	};

	return cmocka_run_group_tests_name("net_addr", tests, NULL, NULL);
}
