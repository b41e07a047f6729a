/*
 * test_judge.c: events to rule kinds and values (src/host/judge.c): the
 * fs operations table (inotify bits and "ops" words), path/name joined,
 * exec's value and its fallbacks, and one connection (attempt and
 * result) judged once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <cmocka.h>
#include "host/judge.h"

static struct policy p;
static struct judge_ring ring;
static struct event ev;
static struct judge_verdict v[JUDGE_MAX];
static char buf[WIRE_TEXT_MAX + WIRE_NAME_MAX + 2];

static void load(const char *text)
{
	char err[256];

	policy_free(&p);
	memset(&ring, 0, sizeof(ring));
	assert_int_equal(policy_parse(&p, "j", (const uint8_t *)text,
				      strlen(text), err, sizeof(err)), 0);
}

static int judge(void)
{
	return judge_event(&p, &ring, &ev, v, buf, sizeof(buf));
}

static void fs_table(void **state)
{
	(void)state;
	assert_int_equal(judge_fs_kinds(IN_MODIFY, NULL, 0), 1u << POL_WRITE);
	assert_int_equal(judge_fs_kinds(IN_CLOSE_WRITE | IN_ISDIR, NULL, 0),
			 1u << POL_WRITE);
	assert_int_equal(judge_fs_kinds(IN_MOVED_TO, NULL, 0), 1u << POL_WRITE);
	assert_int_equal(judge_fs_kinds(IN_OPEN, NULL, 0), 1u << POL_READ);
	assert_int_equal(judge_fs_kinds(IN_ACCESS | IN_DELETE, NULL, 0),
			 (1u << POL_READ) | (1u << POL_WRITE));
	assert_int_equal(judge_fs_kinds(IN_ATTRIB | IN_CLOSE_NOWRITE, NULL, 0), 0);
	assert_int_equal(judge_fs_kinds(0, "open", 4), 1u << POL_READ);
	assert_int_equal(judge_fs_kinds(0, "attrib,close_write", 18),
			 1u << POL_WRITE);
	assert_int_equal(judge_fs_kinds(0, "modify,access", 13),
			 (1u << POL_READ) | (1u << POL_WRITE));
	assert_int_equal(judge_fs_kinds(0, "openx,acces", 11), 0);
}

static void fs_events(void **state)
{
	(void)state;
	load("write deny /etc/**\nread deny /etc/shadow\n");
	event_init(&ev, PS_FS_INOTIFY_FIRED, 7, 1);
	event_set_text(&ev, EVK_PATH, "/etc", 4);
	event_set_text(&ev, EVK_NAME, "shadow", 6);
	event_set_uint(&ev, EVK_MASK, IN_MODIFY);
	assert_int_equal(judge(), 1);
	assert_int_equal(v[0].kind, POL_WRITE);
	assert_int_equal(v[0].rule, 0);
	assert_int_equal(v[0].len, 11);
	assert_memory_equal(v[0].value, "/etc/shadow", 11);
	assert_string_equal(v[0].from, "path");
	event_set_uint(&ev, EVK_MASK, IN_OPEN | IN_MODIFY);
	assert_int_equal(judge(), 2);
	assert_int_equal(v[1].kind, POL_READ);
	assert_int_equal(v[1].rule, 1);
	event_set_uint(&ev, EVK_MASK, IN_ATTRIB);
	assert_int_equal(judge(), 0);
	/* a watched file itself: no name */
	event_init(&ev, PS_FS_INOTIFY_FIRED, 7, 1);
	event_set_text(&ev, EVK_PATH, "/etc/", 5);
	event_set_text(&ev, EVK_NAME, "x", 1);
	event_set_uint(&ev, EVK_MASK, IN_CREATE);
	assert_int_equal(judge(), 1);
	assert_int_equal(v[0].len, 6);
	assert_memory_equal(v[0].value, "/etc/x", 6);
	event_init(&ev, PS_FS_INOTIFY_FIRED, 7, 1);
	event_set_text(&ev, EVK_PATH, "/etc/hosts", 10);
	event_set_uint(&ev, EVK_MASK, IN_MODIFY);
	assert_int_equal(judge(), 1);
	assert_int_equal(v[0].len, 10);
	/* another kind of event names no file */
	event_init(&ev, PS_PROCESS_SPAWNED, 7, 1);
	assert_int_equal(judge(), 0);
}

static void exec_values(void **state)
{
	static const char argv[] = "/opt/x\0-v";

	(void)state;
	load("exec allow /usr/bin/*\nexec deny *\n");
	event_init(&ev, PS_PROCESS_EXEC, 9, 1);
	event_set_text(&ev, EVK_GUEST_COMM, "evil", 4);
	event_set_text(&ev, EVK_EXE, "/usr/bin/ls", 11);
	assert_int_equal(judge(), 0);
	event_set_text(&ev, EVK_EXE, "/opt/ls", 7);
	assert_int_equal(judge(), 1);
	assert_string_equal(v[0].from, "exe");
	assert_int_equal(v[0].rule, 1);
	event_init(&ev, PS_PROCESS_EXEC, 9, 1);
	event_set_text(&ev, EVK_GUEST_COMM, "evil", 4);
	event_set_text(&ev, EVK_ARGV, argv, sizeof(argv) - 1);
	assert_int_equal(judge(), 1);
	assert_string_equal(v[0].from, "argv0");
	assert_int_equal(v[0].len, 6);
	event_init(&ev, PS_PROCESS_EXEC, 9, 1);
	event_set_text(&ev, EVK_GUEST_COMM, "evil", 4);
	assert_int_equal(judge(), 1);
	assert_string_equal(v[0].from, "comm");
	assert_memory_equal(v[0].value, "evil", 4);
	/* the inventory is not judged */
	event_init(&ev, PS_PROCESS_SPAWNED, 9, 1);
	event_set_text(&ev, EVK_EXE, "/opt/ls", 7);
	event_set_uint(&ev, EVK_SYNTHETIC, 1);
	assert_int_equal(judge(), 0);
}

static void net(int src, uint32_t pid, const char *dst)
{
	event_init(&ev, src, pid, 1);
	event_set_text(&ev, EVK_DST, dst, strlen(dst));
}

static void one_per_connection(void **state)
{
	unsigned i;

	(void)state;
	load("connect allow 10.0.0.0/8:443\nconnect deny *\n");
	net(PS_NET_CONNECT_ATTEMPTED, 5, "10.1.1.1:443");
	assert_int_equal(judge(), 0);
	net(PS_NET_CONNECT_ATTEMPTED, 5, "8.8.8.8:53");
	assert_int_equal(judge(), 1);
	assert_string_equal(v[0].from, "dst");
	net(PS_NET_CONNECT_RESULT, 5, "8.8.8.8:53");
	assert_int_equal(judge(), 0);		/* its attempt was the one */
	net(PS_NET_CONNECT_RESULT, 5, "8.8.8.8:53");
	assert_int_equal(judge(), 1);		/* no attempt left: judged */
	net(PS_NET_CONNECT_ATTEMPTED, 6, "8.8.4.4:53");
	assert_int_equal(judge(), 1);
	net(PS_NET_CONNECT_RESULT, 0, "8.8.4.4:53");
	assert_int_equal(judge(), 0);		/* a fallback's pid 0 */
	net(PS_NET_CONNECT_ATTEMPTED, 6, "8.8.4.4:53");
	assert_int_equal(judge(), 1);
	net(PS_NET_CONNECT_RESULT, 7, "8.8.4.4:53");
	assert_int_equal(judge(), 1);		/* another pid: another one */
	/* more attempts than the ring holds: the oldest are forgotten */
	memset(&ring, 0, sizeof(ring));
	for (i = 0; i < HOST_POLICY_PENDING + 3; i++) {
		net(PS_NET_CONNECT_ATTEMPTED, 100 + i, "1.1.1.1:80");
		assert_int_equal(judge(), 1);
	}
	assert_int_equal(ring.evicted, 3);
	net(PS_NET_CONNECT_RESULT, 100, "1.1.1.1:80");
	assert_int_equal(judge(), 1);		/* forgotten: a second one */
	net(PS_NET_CONNECT_RESULT, 103, "1.1.1.1:80");
	assert_int_equal(judge(), 0);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fs_table),
		cmocka_unit_test(fs_events),
		cmocka_unit_test(exec_values),
		cmocka_unit_test(one_per_connection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
