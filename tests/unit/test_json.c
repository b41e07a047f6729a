/*
 * test_json.c: the JSON writer (src/host/json.c) and the CloudEvents
 * formatting (src/host/ce.c): escapes of every control byte and U+0000,
 * commas, overflow, argv as an array, maps as objects, time format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "host/ce.h"
#include "host/json.h"

static char buf[4096];
static struct json_buf j;
static struct event ev;

#define DONE(want) do {						\
	assert_false(j.err);					\
	assert_int_equal(j.len, strlen(want));			\
	assert_memory_equal(j.p, want, j.len);			\
} while (0)

static void escapes(void **state)
{
	char all[34];
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		all[i] = (char)i;
	all[32] = '"';
	all[33] = '\\';
	json_init(&j, buf, sizeof(buf));
	json_str(&j, all, sizeof(all));
	DONE("\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
	     "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012"
	     "\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a"
	     "\\u001b\\u001c\\u001d\\u001e\\u001f\\\"\\\\\"");
	json_init(&j, buf, sizeof(buf));
	json_str(&j, "p\xc3\xa9\x7f/", 5);	/* UTF-8 and DEL as they are */
	DONE("\"p\xc3\xa9\x7f/\"");
}

static void structure(void **state)
{
	(void)state;
	json_init(&j, buf, sizeof(buf));
	json_open(&j, '{');
	json_kv_uint(&j, "a", 0);
	json_kv_uint(&j, "b", UINT64_MAX);
	json_key(&j, "c");
	json_open(&j, '[');
	json_elem(&j);
	json_str(&j, "x", 1);
	json_elem(&j);
	json_open(&j, '{');
	json_close(&j, '}');
	json_close(&j, ']');
	json_close(&j, '}');
	DONE("{\"a\":0,\"b\":18446744073709551615,\"c\":[\"x\",{}]}");
	assert_int_equal(j.depth, 0);
}

static void overflow_sticks(void **state)
{
	(void)state;
	json_init(&j, buf, 8);
	json_str(&j, "0123456789", 10);
	assert_true(j.err);
	json_raw(&j, "x", 1);
	assert_true(j.err);
	assert_true(j.len <= 8);
}

static void time_format(void **state)
{
	char t[CE_TIME_LEN + 1];

	(void)state;
	ce_time(t, 1700000000123456789ull);
	assert_string_equal(t, "2023-11-14T22:13:20.123456Z");
	ce_time(t, 0);
	assert_string_equal(t, "1970-01-01T00:00:00.000000Z");
}

static void argv_array(void **state)
{
	static const struct { const char *in; size_t n; const char *out; } c[] = {
		{ "", 0, "[]" },
		{ "a", 1, "[\"a\"]" },
		{ "a\0", 2, "[\"a\",\"\"]" },
		{ "\0", 1, "[\"\",\"\"]" },
		{ "/bin/x\0-c\0caf\\xe9\0a\\\\b", 22,
		  "[\"/bin/x\",\"-c\",\"caf\\\\xe9\",\"a\\\\\\\\b\"]" },
	};
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		event_init(&ev, PS_PROCESS_EXEC, 1, 2);
		event_set_text(&ev, EVK_ARGV, c[i].in, c[i].n);
		json_init(&j, buf, sizeof(buf));
		json_open(&j, '{');
		ce_fields(&j, &ev);
		json_close(&j, '}');
		snprintf(want, sizeof(want), "{\"content_version\":257,"
			 "\"probe_source\":\"process.exec\",\"guest_pid\":1,"
			 "\"guest_comm\":\"\",\"guest_monotonic_ns\":2,"
			 "\"argv\":%s}", c[i].out);
		DONE(want);
	}
}

static void envelope_and_maps(void **state)
{
	struct ce_stamp st = { "c1", "r1", "2023-11-14T22:13:20.123456Z",
			       NULL, 0 };

	(void)state;
	event_init(&ev, PS_AGENT_HEARTBEAT, 7, 9);
	event_set_text(&ev, EVK_GUEST_COMM, "a\"b", 3);
	event_set_uint(&ev, EVK_SEQ, 3);
	event_map_uint(&ev, EVK_DROPPED, "ring_overwrite", 5);
	event_map_uint(&ev, EVK_DROPPED, "probe_error", 0);
	json_init(&j, buf, sizeof(buf));
	ce_begin(&j, &st, ps_name(ev.source), "c1/b/7/3", 8);
	ce_fields(&j, &ev);
	ce_end(&j);
	DONE("{\"specversion\":\"1.0\",\"id\":\"c1/b/7/3\","
	     "\"source\":\"cellos://cell/c1\","
	     "\"time\":\"2023-11-14T22:13:20.123456Z\","
	     "\"type\":\"dev.cellos.events.cell.observability.guest.v1."
	     "agent_heartbeat\",\"datacontenttype\":\"application/json\","
	     "\"data\":{\"cell_id\":\"c1\",\"run_id\":\"r1\","
	     "\"host_received_at\":\"2023-11-14T22:13:20.123456Z\","
	     "\"content_version\":257,\"probe_source\":\"agent.heartbeat\","
	     "\"guest_pid\":7,\"guest_comm\":\"a\\\"b\","
	     "\"guest_monotonic_ns\":9,\"seq\":3,"
	     "\"dropped\":{\"ring_overwrite\":5,\"probe_error\":0}}}");
}

/* --host-name and --label: made once, then copied after the host stamp. */
static void stamp_extra(void **state)
{
	char *labels[] = { (char *)"tenant=acme", (char *)"env=",
			   (char *)"q=a\"b\\c\x01=d" };
	char extra[512];
	struct ce_stamp st = { "c1", "r1", "T", extra, 0 };

	(void)state;
	assert_int_equal(ce_extra(extra, sizeof(extra), NULL, labels, 0), 0);
	st.extra_len = ce_extra(extra, sizeof(extra), "h-1", labels, 3);
	assert_true(st.extra_len > 0);
	json_init(&j, buf, sizeof(buf));
	ce_begin(&j, &st, "agent.heartbeat", "i", 1);
	json_kv_uint(&j, "seq", 1);
	ce_end(&j);
	DONE("{\"specversion\":\"1.0\",\"id\":\"i\","
	     "\"source\":\"cellos://cell/c1\",\"time\":\"T\","
	     "\"type\":\"dev.cellos.events.cell.observability.guest.v1."
	     "agent_heartbeat\",\"datacontenttype\":\"application/json\","
	     "\"data\":{\"cell_id\":\"c1\",\"run_id\":\"r1\","
	     "\"host_received_at\":\"T\",\"host_name\":\"h-1\","
	     "\"labels\":{\"tenant\":\"acme\",\"env\":\"\","
	     "\"q\":\"a\\\"b\\\\c\\u0001=d\"},\"seq\":1}}");
	st.extra_len = ce_extra(extra, sizeof(extra), "h-1", NULL, 0);
	assert_int_equal(st.extra_len, strlen("\"host_name\":\"h-1\""));
	assert_memory_equal(extra, "\"host_name\":\"h-1\"", st.extra_len);
	assert_int_equal(ce_extra(extra, 20, "h-1", labels, 3), 0); /* no room */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(structure),
		cmocka_unit_test(overflow_sticks),
		cmocka_unit_test(stamp_extra),
		cmocka_unit_test(time_format),
		cmocka_unit_test(argv_array),
		cmocka_unit_test(envelope_and_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
