/*
 * test_ce.c: the CloudEvents formatting (src/host/ce.c): the time
 * format, argv as an array of its escaped arguments, the envelope and
 * the data object with nested maps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "checks.h"
#include "host/ce.h"
#include "host/json.h"

static char buf[4096];
static struct json_buf j;
static struct event ev;

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
		assert_json(&j, want);
	}
}

static void envelope_and_maps(void **state)
{
	struct ce_stamp st = { "c1", "r1", "2023-11-14T22:13:20.123456Z",
			       NULL, NULL, 0 };

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
	assert_json(&j, "{\"specversion\":\"1.0\",\"id\":\"c1/b/7/3\","
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
	struct ce_stamp st = { "c1", "r1", "T", NULL, extra, 0 };

	(void)state;
	assert_int_equal(ce_extra(extra, sizeof(extra), NULL, labels, 0), 0);
	st.extra_len = ce_extra(extra, sizeof(extra), "h-1", labels, 3);
	assert_true(st.extra_len > 0);
	json_init(&j, buf, sizeof(buf));
	ce_begin(&j, &st, "agent.heartbeat", "i", 1);
	json_kv_uint(&j, "seq", 1);
	ce_end(&j);
	assert_json(&j, "{\"specversion\":\"1.0\",\"id\":\"i\","
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
		cmocka_unit_test(time_format),
		cmocka_unit_test(argv_array),
		cmocka_unit_test(envelope_and_maps),
		cmocka_unit_test(stamp_extra),
	};
	return cmocka_run_group_tests_name("ce", tests, NULL, NULL);
}
