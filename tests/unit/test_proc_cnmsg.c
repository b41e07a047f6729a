/*
 * test_proc_cnmsg.c: proc connector datagram parser and request builder
 * (src/agent/proc/proc_cnmsg.c), on hand-built datagrams: several
 * messages in one, cut ones, foreign ones, and events the agent ignores.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "agent/proc/proc_cnmsg.h"

static struct cnproc_rec got[8];
static int ngot;

static void collect(void *ctx, const struct cnproc_rec *r)
{
	(void)ctx;
	if (ngot < 8)
		got[ngot++] = *r;
}

/* Append one connector message holding a proc_event of `evlen` bytes. */
static size_t put_msg(uint8_t *buf, size_t off, uint32_t what, const void *data,
		      size_t dlen, uint32_t idx)
{
	struct nlmsghdr nh = { 0 };
	struct cn_msg cn = { 0 };
	uint8_t ev[64] = { 0 };
	uint64_t ts = 1000 + what;
	size_t evlen = 16 + dlen;

	memcpy(ev, &what, 4);
	memcpy(ev + 8, &ts, 8);
	memcpy(ev + 16, data, dlen);
	nh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(cn) + evlen);
	nh.nlmsg_type = NLMSG_DONE;
	cn.id.idx = idx;
	cn.id.val = CN_VAL_PROC;
	cn.len = (uint16_t)evlen;
	memcpy(buf + off, &nh, sizeof(nh));
	memcpy(buf + off + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(buf + off + NLMSG_HDRLEN + sizeof(cn), ev, evlen);
	return off + NLMSG_ALIGN(nh.nlmsg_len);
}

static void several_in_one(void **state)
{
	static uint8_t buf[512];
	uint32_t fork[4] = { 10, 10, 11, 11 }, exec[2] = { 11, 11 },
		 ex[6] = { 11, 11, 3 << 8, 17, 10, 10 };
	struct cnproc_stats st = { 0 };
	size_t n = 0;

	(void)state;
	ngot = 0;
	n = put_msg(buf, n, PROC_EVENT_FORK, fork, sizeof(fork), CN_IDX_PROC);
	n = put_msg(buf, n, PROC_EVENT_EXEC, exec, sizeof(exec), CN_IDX_PROC);
	n = put_msg(buf, n, PROC_EVENT_EXIT, ex, sizeof(ex), CN_IDX_PROC);
	cnproc_parse(buf, n, collect, NULL, &st);
	assert_int_equal(ngot, 3);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(got[0].kind, CNP_FORK);
	assert_int_equal(got[0].pid, 11);
	assert_int_equal(got[0].ptgid, 10);
	assert_int_equal(got[0].ts_ns, 1001);
	assert_int_equal(got[1].kind, CNP_EXEC);
	assert_int_equal(got[1].tgid, 11);
	assert_int_equal(got[2].kind, CNP_EXIT);
	assert_int_equal(got[2].status, 3 << 8);
	assert_int_equal(got[2].ptgid, 10);
}

static void old_exit_without_parent(void **state)
{
	static uint8_t buf[256];
	uint32_t ex[4] = { 12, 12, 9, 17 };
	struct cnproc_stats st = { 0 };
	size_t n;

	(void)state;
	ngot = 0;
	n = put_msg(buf, 0, PROC_EVENT_EXIT, ex, sizeof(ex), CN_IDX_PROC);
	cnproc_parse(buf, n, collect, NULL, &st);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].status, 9);
	assert_int_equal(got[0].ppid, 0);
}

static void bad_and_ignored(void **state)
{
	static uint8_t buf[512];
	uint32_t fork[4] = { 1, 1, 2, 2 }, id[4] = { 2, 2, 0, 0 }, ack = 0;
	struct cnproc_stats st = { 0 };
	size_t n = 0;

	(void)state;
	ngot = 0;
	n = put_msg(buf, n, PROC_EVENT_UID, id, sizeof(id), CN_IDX_PROC);
	n = put_msg(buf, n, PROC_EVENT_FORK, fork, sizeof(fork), 7); /* foreign */
	n = put_msg(buf, n, PROC_EVENT_FORK, fork, 8, CN_IDX_PROC);  /* short */
	n = put_msg(buf, n, PROC_EVENT_NONE, &ack, 4, CN_IDX_PROC);
	cnproc_parse(buf, n, collect, NULL, &st);
	assert_int_equal(st.ignored, 1);
	assert_int_equal(st.malformed, 2);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].kind, CNP_ACK);
	/* cut mid-message: the whole-header walk stops and counts it */
	memset(&st, 0, sizeof(st));
	ngot = 0;
	cnproc_parse(buf, n - 3, collect, NULL, &st);
	assert_int_equal(st.malformed, 3);
	assert_int_equal(ngot, 0);
	/* a header claiming less than a header */
	memset(&st, 0, sizeof(st));
	memset(buf, 0, 16);
	cnproc_parse(buf, 16, collect, NULL, &st);
	assert_int_equal(st.malformed, 1);
}

static void request_forms(void **state)
{
	uint8_t buf[64];
	struct nlmsghdr nh;
	struct cn_msg cn;
	uint32_t d[2];

	(void)state;
	assert_int_equal(cnproc_request(buf, sizeof(buf), PROC_CN_MCAST_LISTEN,
					0, 1), 40);
	memcpy(&nh, buf, sizeof(nh));
	memcpy(&cn, buf + NLMSG_HDRLEN, sizeof(cn));
	assert_int_equal(nh.nlmsg_len, 40);
	assert_int_equal(cn.id.idx, CN_IDX_PROC);
	assert_int_equal(cn.len, 4);
	assert_int_equal(cnproc_request(buf, sizeof(buf), PROC_CN_MCAST_LISTEN,
		PROC_EVENT_FORK | PROC_EVENT_EXEC | PROC_EVENT_EXIT, 2), 44);
	memcpy(d, buf + NLMSG_HDRLEN + sizeof(cn), 8);
	assert_int_equal(d[0], PROC_CN_MCAST_LISTEN);
	assert_int_equal(d[1], 0x80000003u);
	assert_int_equal(cnproc_request(buf, 20, 1, 0, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(several_in_one),
		cmocka_unit_test(old_exit_without_parent),
		cmocka_unit_test(bad_and_ignored),
		cmocka_unit_test(request_forms),
	};
	return cmocka_run_group_tests_name("proc_cnmsg", tests, NULL, NULL);
}
