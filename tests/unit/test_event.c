/*
 * test_event.c: the key table and event accessors (src/wire/event.c).
 * The table order is the wire order, so it is pinned here against the
 * order doc/WIRE.md §3-5 lists the keys in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "wire/event.h"

static const char *const wire_order[] = {
	"content_version", "probe_source", "guest_pid", "guest_comm",
	"guest_monotonic_ns", "seq", "ppid", "start_ns", "uid", "exe", "argv",
	"argc", "argv_lost", "cwd", "interp", "exe_sha256", "interp_sha256",
	"truncated", "exit_code", "exit_signal", "synthetic", "path",
	"name", "mask", "op", "proto", "family", "src", "dst", "state", "syscall",
	"errno", "result", "direction", "duration_ns", "bytes_sent",
	"bytes_received", "datagrams_sent", "outcomes", "agent_version", "boot_id", "kernel", "session", "resume_seq",
	"probes", "watches", "ring_bytes", "interval_ms", "emitted", "sent", "dropped",
	"incomplete", "ring_used", "ring_hwm", "rss_kb", "cpu_ns", "reason",
	"first_seq", "count", "ack_seq",
};

static void table_is_wire_order(void **state)
{
	int k;

	(void)state;
	assert_int_equal(sizeof(wire_order) / sizeof(wire_order[0]), EVK_NKEYS);
	for (k = 0; k < EVK_NKEYS; k++) {
		assert_string_equal(ev_keys[k].name, wire_order[k]);
		assert_int_equal(ev_keys[k].namelen, strlen(wire_order[k]));
		assert_int_equal(event_key_byname(wire_order[k],
						  strlen(wire_order[k])), k);
	}
	assert_int_equal(event_key_byname("nope", 4), -1);
	assert_true(EVK_NKEYS <= 64);	/* `has` is one 64-bit mask */
}

static void sources(void **state)
{
	(void)state;
	assert_string_equal(ps_name(PS_PROCESS_SPAWNED), "process.spawned");
	assert_string_equal(ps_name(PS_AGENT_STOPPING), "agent.stopping");
	assert_string_equal(ps_name(PS_NET_CLOSED), "net.closed");
	assert_string_equal(ps_name(PS_FS_FANOTIFY_FIRED), "fs.fanotify_fired");
	assert_int_equal(ps_byname("fs.fanotify_fired", 17, 0),
			 PS_FS_FANOTIFY_FIRED);
	assert_int_equal(ps_byname("fs.fanotify_fired", 17, 1), PS_NONE);
	assert_int_equal(ps_byname("net.connect_result", 18, 0),
			 PS_NET_CONNECT_RESULT);
	assert_int_equal(ps_byname("net.accepted", 12, 1), PS_NONE);
	assert_int_equal(ps_byname("capability.denied", 17, 1),
			 PS_CAPABILITY_DENIED);
	assert_int_equal(ps_byname("process.exec", 12, 0), PS_PROCESS_EXEC);
	assert_int_equal(ps_byname("process.exec", 12, 1), PS_NONE);
	assert_int_equal(ps_byname("agent.hello", 11, 1), PS_NONE);
	assert_int_equal(ps_byname("", 0, 0), PS_NONE);
}

static void text_cut_and_sanitize(void **state)
{
	static struct event ev;
	size_t n;
	const char *s;

	(void)state;
	event_init(&ev, PS_PROCESS_SPAWNED, 1, 2);
	/* 17 bytes into a 16-byte comm: cut */
	assert_int_equal(event_set_text(&ev, EVK_GUEST_COMM,
					 "abcdefghijklmnopq", 17), 1);
	s = event_text(&ev, EVK_GUEST_COMM, &n);
	assert_int_equal(n, 16);
	assert_memory_equal(s, "abcdefghijklmnop", 16);
	/* 15 ASCII + a 2-byte character: the character does not fit */
	assert_int_equal(event_set_text(&ev, EVK_GUEST_COMM,
					 "abcdefghijklmno\xc3\xa9", 17), 1);
	event_text(&ev, EVK_GUEST_COMM, &n);
	assert_int_equal(n, 15);
	/* kernel bytes: ill-formed ones become U+FFFD */
	assert_int_equal(event_set_bytes(&ev, EVK_GUEST_COMM, "x\xffy", 3), 0);
	s = event_text(&ev, EVK_GUEST_COMM, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(s, "x\xef\xbf\xbdy", 5);
	assert_int_equal(ev.has, 0);	/* comm is not optional */
	event_set_text(&ev, EVK_PATH, "/etc", 4);
	assert_int_equal(ev.has, EVK_BIT(EVK_PATH));
}

static void maps_are_bounded(void **state)
{
	static struct event ev;
	char k[8];
	int i;

	(void)state;
	event_init(&ev, PS_AGENT_HEARTBEAT, 1, 2);
	for (i = 0; i < WIRE_MAP_MAX; i++) {
		k[0] = (char)('a' + i);
		k[1] = 0;
		assert_int_equal(event_map_uint(&ev, EVK_DROPPED, k, (uint64_t)i), 0);
	}
	assert_int_equal(event_map_uint(&ev, EVK_DROPPED, "full", 1), -1);
	assert_int_equal(event_map(&ev, EVK_DROPPED)->n, WIRE_MAP_MAX);
	assert_int_equal(event_map_text(&ev, EVK_PROBES,
		"a-key-that-is-far-too-long-for-a-map", "x"), -1);
	assert_true(ev.has & EVK_BIT(EVK_DROPPED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_wire_order),
		cmocka_unit_test(sources),
		cmocka_unit_test(text_cut_and_sanitize),
		cmocka_unit_test(maps_are_bounded),
	};
	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
