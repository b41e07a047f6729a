/*
 * test_audit.c: the capability probe's audit protocol (src/agent/audit.c):
 * AUDIT_SYSCALL records as the kernel writes them (quoted and hex comm,
 * missing fields), the record-length quirk of audit netlink, request
 * framing and the rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include "agent/cap/cap_auditmsg.h"
#include "wire/frame.h"

#define REC(s) audit_parse_syscall(s, sizeof(s) - 1, &r)

static const char real[] = "audit(1718000000.123:4567): arch=c000003e "
	"syscall=105 success=no exit=-1 a0=0 a1=0 a2=0 a3=0 items=0 ppid=812 "
	"pid=815 auid=4294967295 uid=65534 gid=65534 euid=65534 suid=65534 "
	"fsuid=65534 egid=65534 sgid=65534 fsgid=65534 tty=(none) "
	"ses=4294967295 comm=\"python3\" exe=\"/usr/bin/python3.11\" "
	"subj=unconfined key=(null)";

static void syscall_record(void **state)
{
	struct audit_rec r;

	(void)state;
	assert_int_equal(REC(real), 0);
	assert_int_equal(r.sec, 1718000000);
	assert_int_equal(r.ms, 123);
	assert_int_equal(r.serial, 4567);
	assert_int_equal(r.arch, AUDIT_ARCH_X86_64);
	assert_int_equal(r.syscall, 105);
	assert_int_equal(r.exit, -1);
	assert_int_equal(r.pid, 815);	/* not ppid */
	assert_int_equal(r.uid, 65534);	/* not auid, euid, suid, fsuid */
	assert_int_equal(r.comm_len, 7);
	assert_memory_equal(r.comm, "python3", 7);
	/* With a trailing NUL and garbage after it. */
	assert_int_equal(audit_parse_syscall(real, sizeof(real) + 0, &r), 0);
}

static void comm_forms(void **state)
{
	struct audit_rec r;

	(void)state;
	/* "my prog": a space makes the kernel write hex. */
	assert_int_equal(REC("audit(1.0:1): arch=40000003 syscall=213 exit=-1 "
			     "pid=2 uid=3 comm=6D792070726F67 exe=2F612062"), 0);
	assert_int_equal(r.arch, AUDIT_ARCH_I386);
	assert_int_equal(r.comm_len, 7);
	assert_memory_equal(r.comm, "my prog", 7);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 "
			     "pid=2 uid=3 comm=(null)"), 0);
	assert_int_equal(r.comm_len, 0);
	/* No comm at all is fine; a quoted one longer than 16 is cut. */
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 "
			     "pid=2 uid=3"), 0);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 "
			     "pid=2 uid=3 comm=\"0123456789abcdefXYZ\""), 0);
	assert_int_equal(r.comm_len, 16);
	/* Bad hex: no comm. */
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 "
			     "pid=2 uid=3 comm=6G"), 0);
	assert_int_equal(r.comm_len, 0);
}

static void errno_range(void **state)
{
	struct audit_rec r;
	struct event ev;

	(void)state;
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-13 "
			     "pid=2 uid=3"), 0);
	audit_event(&r, &ev, 5);
	assert_int_equal(ev.source, PS_CAPABILITY_DENIED);
	assert_int_equal(ev.err_no, 13);
	assert_int_equal(ev.syscall, 1);
	assert_int_equal(ev.pid, 2);
	assert_int_equal(ev.uid, 3);
	/* Found by fuzz_audit: no errno beyond the kernel's range. */
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 "
			     "exit=-5555555555555555551 pid=2 uid=3"), 0);
	audit_event(&r, &ev, 5);
	assert_int_equal(ev.err_no, 0);
	assert_true(frame_encode(&ev, WIRE_EXTENDED, NULL, 0) > 0);
}

static void malformed(void **state)
{
	struct audit_rec r;

	(void)state;
	assert_int_equal(REC("arch=c000003e syscall=1 exit=-1 pid=2 uid=3"), -1);
	assert_int_equal(REC("audit(1.0:1) arch=c000003e syscall=1 exit=-1 pid=2"), -1);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=x exit=-1 pid=2 uid=3"), -1);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=- pid=2 uid=3"), -1);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 pid=99999999999 uid=3"), -1);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 pid= uid=3"), -1);
	assert_int_equal(REC("audit(x.0:1): arch=c000003e syscall=1 exit=-1 pid=2 uid=3"), -1);
	assert_int_equal(REC("audit(1.0:1): arch=c000003e syscall=1 exit=-1 pid=2 uid=3 comm=\"open"), 0);
	assert_int_equal(REC(""), -1);
}

static void netlink_framing(void **state)
{
	uint8_t buf[256];
	struct audit_it it = { buf, 0, 0 };
	struct nlmsghdr h;
	const uint8_t *p;
	uint16_t type;
	uint32_t seq;
	size_t n;
	int e = -EEXIST;

	(void)state;
	/* An error reply (correct length), then a record whose nlmsg_len is
	 * the payload's length (the kernel's quirk). */
	n = audit_msg(buf, sizeof(buf), NLMSG_ERROR, 0, 7, &e, sizeof(e));
	assert_int_equal(n, NLMSG_HDRLEN + 4);
	memset(&h, 0, sizeof(h));
	h.nlmsg_type = AUDIT_SYSCALL;
	h.nlmsg_len = 10;
	memcpy(buf + n, &h, sizeof(h));
	memcpy(buf + n + NLMSG_HDRLEN, "audit(1.0", 10);
	it.len = n + NLMSG_HDRLEN + 10;
	assert_int_equal(audit_next(&it, &type, &seq, &p, &n), 1);
	assert_int_equal(type, NLMSG_ERROR);
	assert_int_equal(seq, 7);
	assert_int_equal(n, 4);
	assert_int_equal(audit_next(&it, &type, &seq, &p, &n), 1);
	assert_int_equal(type, AUDIT_SYSCALL);
	assert_int_equal(n, 10);
	assert_memory_equal(p, "audit(1.0", 10);
	assert_int_equal(audit_next(&it, &type, &seq, &p, &n), 0);
	/* A control message longer than the datagram. */
	it.off = 0;
	it.len = NLMSG_HDRLEN + 2;
	assert_int_equal(audit_next(&it, &type, &seq, &p, &n), -1);
	assert_int_equal(audit_msg(buf, 8, AUDIT_GET, 0, 1, NULL, 0), 0);
}

static void the_rule(void **state)
{
	struct audit_rule_data r;
	size_t i;

	(void)state;
	assert_int_equal(audit_rule(&r, 10, AUDIT_ARCH_X86_64), 0);
	assert_int_equal(audit_rule(&r, sizeof(r), AUDIT_ARCH_X86_64), sizeof(r));
	assert_int_equal(r.flags, AUDIT_FILTER_EXIT);
	assert_int_equal(r.action, AUDIT_ALWAYS);
	for (i = 0; i < AUDIT_BITMASK_SIZE; i++)
		assert_int_equal(r.mask[i], 0xffffffffu);
	assert_int_equal(r.field_count, 2);
	assert_int_equal(r.fields[1], AUDIT_EXIT);
	assert_int_equal((int32_t)r.values[1], -EPERM);
	assert_int_equal(r.fields[0], AUDIT_ARCH);
	assert_int_equal(r.values[0], AUDIT_ARCH_X86_64);
	assert_int_equal(r.fieldflags[0], AUDIT_EQUAL);
	assert_int_equal(r.fieldflags[1], AUDIT_EQUAL);
	assert_int_equal(audit_rule_exclude(&r, 10), 0);
	assert_int_equal(audit_rule_exclude(&r, sizeof(r)), sizeof(r));
	assert_int_equal(r.flags, AUDIT_FILTER_EXCLUDE);
	assert_int_equal(r.action, AUDIT_NEVER);
	assert_int_equal(r.field_count, 2);
	assert_int_equal(r.fields[0], AUDIT_MSGTYPE);
	assert_int_equal(r.values[0], 1301);	/* AUDIT_SYSCALL itself passes */
	assert_int_equal(r.fieldflags[0], AUDIT_GREATER_THAN_OR_EQUAL);
	assert_int_equal(r.values[1], 1399);
	assert_int_equal(r.fieldflags[1], AUDIT_LESS_THAN_OR_EQUAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syscall_record),
		cmocka_unit_test(comm_forms),
		cmocka_unit_test(errno_range),
		cmocka_unit_test(malformed),
		cmocka_unit_test(netlink_framing),
		cmocka_unit_test(the_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
