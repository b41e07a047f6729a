/*
 * test_net_procnet.c: the /proc/net fallback's line parser
 * (src/agent/net/net_procnet.c): the header, IPv4 and IPv6 lines in the
 * kernel's native-order hex, TIME_WAIT entries, and lines that are not
 * the shape (cut, bad hex, a uid past 32 bits, the wrong family).
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
#include "agent/net/net_procnet.h"
#include "agent/net/net_sock.h"
#include "wire/event.h"

static struct event ev;

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
	assert_text(&ev, EVK_SRC, "127.0.0.1:41412");
	assert_text(&ev, EVK_DST, "77.65.1.3:53");
	assert_text(&ev, EVK_STATE, "established");
	assert_int_equal(ev.uid, 1000);
	/* IPv6: four native-order words; a TIME_WAIT entry has no inode. */
	assert_int_equal(procnet_line(LINE("   0: 00000000000000000000000001000000:"
		"8AE2 00000000000000000000000001000000:0016 06 00000000:00000000 "
		"03:00001385 00000000     0        0 0 3 0000000000000000"),
		AF_INET6, IPPROTO_TCP, &ns), PROCNET_SOCK);
	assert_false(ns.has_uid);
	netsock_event(&ns, &ev, 1);
	assert_text(&ev, EVK_DST, "[::1]:22");
	assert_text(&ev, EVK_STATE, "time-wait");
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
		cmocka_unit_test(proc_lines),
	};

	return cmocka_run_group_tests_name("net_procnet", tests, NULL, NULL);
}
