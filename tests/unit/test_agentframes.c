/*
 * test_agentframes.c: the agent.* frames (src/agent/agentframes.c): each
 * one encodes in the extended profile, decodes back with the keys of
 * doc/WIRE.md §4, and carries no seq of its own unless the caller adds one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "agent/agentframes.h"
#include "wire/frame.h"

static struct af_ident id = {
	.pid = 77, .comm_len = 5, .boot_id_len = 3, .kernel_len = 8,
	.comm = "agent", .boot_id = "b-1", .kernel = "6.1.0 #1",
};
static struct event ev, back, v10;
static uint8_t buf[WIRE_MAX_FRAME];

/* Encode ev (extended), decode it into back; the bodies must agree. */
static void roundtrip(void)
{
	size_t used;
	int n = frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(frame_decode(buf, (size_t)n, &back, &used, 0), 0);
	assert_int_equal(used, (size_t)n);
	assert_true(event_equal(&ev, &back));
	assert_int_equal(back.pid, 77);
	assert_int_equal(back.comm.len, 5);
	assert_false(back.has & EVK_BIT(EVK_SEQ));
	/* a CellOS 0.5 host drops agent.* as an unknown source */
	assert_int_equal(frame_decode(buf, (size_t)n, &v10, &used,
				      FRAME_DEC_V10), WIRE_E_UNKNOWN_SOURCE);
	/* and the strict profile cannot carry them at all */
	assert_int_equal(frame_encode(&ev, WIRE_STRICT, buf, sizeof(buf)),
			 WIRE_E_UNENCODABLE);
}

static void hello(void **state)
{
	const struct ev_map *m;
	size_t len;

	(void)state;
	af_hello(&ev, &id, 123, 2, 40, 1 << 20);
	roundtrip();
	assert_int_equal(back.source, PS_AGENT_HELLO);
	assert_int_equal(back.session, 2);
	assert_int_equal(back.resume_seq, 40);
	assert_int_equal(back.ring_bytes, 1 << 20);
	assert_int_equal(back.mono_ns, 123);
	assert_memory_equal(event_text(&back, EVK_BOOT_ID, &len), "b-1", 3);
	assert_memory_equal(event_text(&back, EVK_AGENT_VERSION, &len),
			    VERSION, strlen(VERSION));
	m = event_map(&back, EVK_PROBES);
	assert_int_equal(m->n, probe_count());
	assert_memory_equal(m->e[0].k, "process", 7);
	assert_memory_equal(m->e[0].v, "off", 3);	/* never armed here */
	assert_false(back.has & EVK_BIT(EVK_OUTCOMES));	/* nobody sends any */
}

/* What an armed probe's mechanism fills of the outcome sources. */
static void hello_outcomes(void **state)
{
	static const struct probe_outcome o[] = {
		{ "net.connect_result", "src,dst,result" },
		{ "net.accepted", "src,dst" },
		{ NULL, NULL },
	};
	struct probe *net = (struct probe *)probe_get(probe_find("net", 3));
	const struct ev_map *m;

	(void)state;
	net->outcomes = o;
	af_hello(&ev, &id, 123, 1, 0, 1 << 20);
	net->outcomes = NULL;
	roundtrip();
	m = event_map(&back, EVK_OUTCOMES);
	assert_int_equal(m->n, 2);
	assert_int_equal(m->e[1].klen, 12);
	assert_memory_equal(m->e[1].k, "net.accepted", 12);
	assert_int_equal(m->e[0].vlen, 14);
	assert_memory_equal(m->e[0].v, "src,dst,result", 14);
}

static void heartbeat_and_stopping(void **state)
{
	struct af_counters c = {
		.interval_ms = 250, .emitted = 10, .sent = 7,
		.dropped = { 3, 0, 0, 1, 0 }, .ring_used = 99,
		.ring_hwm = 1000, .rss_kb = 900, .cpu_ns = 5,
	};
	const struct ev_map *m;
	int i;

	(void)state;
	af_counters(&ev, PS_AGENT_HEARTBEAT, &id, 9, &c);
	roundtrip();
	assert_int_equal(back.interval_ms, 250);
	assert_int_equal(back.emitted, 10);
	assert_int_equal(back.sent, 7);
	assert_int_equal(back.ring_used, 99);
	assert_int_equal(back.ring_hwm, 1000);
	assert_int_equal(back.rss_kb, 900);
	assert_int_equal(back.cpu_ns, 5);
	m = event_map(&back, EVK_DROPPED);
	assert_int_equal(m->n, LOSS_N);		/* every reason, zeros too */
	for (i = 0; i < LOSS_N; i++) {
		assert_int_equal(m->e[i].klen, strlen(loss_names[i]));
		assert_memory_equal(m->e[i].k, loss_names[i], m->e[i].klen);
		assert_int_equal(m->e[i].u, c.dropped[i]);
	}
	af_counters(&ev, PS_AGENT_STOPPING, &id, 9, &c);
	roundtrip();
	assert_int_equal(back.source, PS_AGENT_STOPPING);
}

static void loss(void **state)
{
	size_t len;

	(void)state;
	af_loss(&ev, &id, 5, LOSS_RING_OVERWRITE, 17, 4);
	roundtrip();
	assert_int_equal(back.source, PS_AGENT_LOSS);
	assert_int_equal(back.first_seq, 17);
	assert_int_equal(back.count, 4);
	assert_memory_equal(event_text(&back, EVK_REASON, &len),
			    "ring_overwrite", 14);
	assert_int_equal(len, 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello),
		cmocka_unit_test(hello_outcomes),
		cmocka_unit_test(heartbeat_and_stopping),
		cmocka_unit_test(loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
