/*
 * test_frame.c: the frame codec (src/wire/frame.c): the golden frame of
 * doc/WIRE.md, both profiles, cutting to 4096 bytes, acks, and the decoder's
 * framing errors.  Per-error body vectors live in tests/vectors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "golden.h"
#include "wire/argv.h"
#include "wire/frame.h"

static struct event ev, back;
static uint8_t buf[WIRE_MAX_FRAME + 64];

static void golden_spawned(void)
{
	event_init(&ev, PS_PROCESS_SPAWNED, 42, 123456789);
	event_set_text(&ev, EVK_GUEST_COMM, "sh", 2);
}

static void strict_is_golden(void **state)
{
	uint8_t want[128];
	size_t n = golden_frame(want, sizeof(want));
	int m;

	(void)state;
	assert_int_equal(n, 103);
	golden_spawned();
	event_set_uint(&ev, EVK_SEQ, 7);	/* strict must leave it out */
	assert_int_equal(frame_encode(&ev, WIRE_STRICT, NULL, 0), 103);
	m = frame_encode(&ev, WIRE_STRICT, buf, sizeof(buf));
	assert_int_equal(m, 103);
	assert_memory_equal(buf, want, n);
}

static void extended_round_trip(void **state)
{
	size_t used;
	int m;

	(void)state;
	golden_spawned();
	event_set_uint(&ev, EVK_SEQ, 0);
	event_set_uint(&ev, EVK_PPID, 1);
	m = frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf));
	assert_true(m > 103);
	/* content_version 0x0101 right after the key */
	assert_int_equal(buf[4 + 17], 0x19);
	assert_int_equal(buf[4 + 18], 0x01);
	assert_int_equal(buf[4 + 19], 0x01);
	assert_int_equal(frame_decode(buf, (size_t)m, &back, &used, 0), 0);
	assert_int_equal(used, (size_t)m);
	assert_int_equal(back.version, WIRE_V11);
	assert_true(event_equal(&ev, &back));
}

static void strict_refuses_v11_sources(void **state)
{
	(void)state;
	event_init(&ev, PS_AGENT_HELLO, 1, 1);
	assert_int_equal(frame_encode(&ev, WIRE_STRICT, buf, sizeof(buf)),
			 WIRE_E_UNENCODABLE);
	event_init(&ev, PS_PROCESS_EXEC, 1, 1);
	assert_int_equal(frame_encode(&ev, WIRE_STRICT, buf, sizeof(buf)),
			 WIRE_E_UNENCODABLE);
	event_init(&ev, PS_NONE, 1, 1);
	assert_int_equal(frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf)),
			 WIRE_E_UNENCODABLE);
	golden_spawned();
	ev.pid = 1ull << 32;
	assert_int_equal(frame_encode(&ev, WIRE_STRICT, buf, sizeof(buf)),
			 WIRE_E_UNENCODABLE);
}

static void nospace(void **state)
{
	(void)state;
	golden_spawned();
	assert_int_equal(frame_encode(&ev, WIRE_STRICT, buf, 102),
			 WIRE_E_NOSPACE);
}

/* Fill an exec event with a 10 KiB argument and long paths. */
static void big_exec(void)
{
	static uint8_t raw[10 * 1024 + 64];
	static char text[WIRE_TEXT_MAX];
	size_t used, t;

	memset(raw, 'A', sizeof(raw));
	memcpy(raw, "prog\0\0\xff\\", 8);
	event_init(&ev, PS_PROCESS_EXEC, 1234, 99);
	event_set_text(&ev, EVK_GUEST_COMM, "prog", 4);
	event_set_uint(&ev, EVK_SEQ, 5);
	event_set_uint(&ev, EVK_ARGC, argv_count(raw, sizeof(raw)));
	t = argv_escape(text, sizeof(text), raw, sizeof(raw), &used);
	event_set_text(&ev, EVK_ARGV, text, t);
	memset(text, 'e', sizeof(text));
	event_set_text(&ev, EVK_EXE, text, 3000);
}

static void cuts_to_fit(void **state)
{
	size_t used, n, i;
	uint8_t raw[WIRE_MAX_BODY];
	const char *s;
	int m;

	(void)state;
	big_exec();
	m = frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf));
	assert_true(m > 0);
	assert_true(m <= WIRE_MAX_FRAME);
	assert_int_equal(frame_decode(buf, (size_t)m, &back, &used, 0), 0);
	assert_int_equal(back.truncated, 1);
	assert_true(back.has & EVK_BIT(EVK_TRUNCATED));
	assert_int_equal(back.argc, 3);
	s = event_text(&back, EVK_EXE, &n);
	assert_int_equal(n, 3000);	/* argv went first, exe was spared */
	s = event_text(&back, EVK_ARGV, &n);
	assert_true(argv_unescape(raw, sizeof(raw), s, n) >= 6);
	assert_memory_equal(raw, "prog\0\0\xff\\", 8);
	for (i = 8; i < (size_t)argv_unescape(raw, sizeof(raw), s, n); i++)
		assert_int_equal(raw[i], 'A');
	/* the cut is tight: one more unit would not have fitted */
	assert_true(m > WIRE_MAX_FRAME - 4);
}

static void cuts_several_fields(void **state)
{
	static char path[WIRE_TEXT_MAX];
	size_t used;
	int m;

	(void)state;
	big_exec();
	memset(path, 'p', sizeof(path));
	event_set_text(&ev, EVK_EXE, path, sizeof(path));
	event_set_text(&ev, EVK_PATH, path, sizeof(path));
	m = frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf));
	assert_true(m > 0 && m <= WIRE_MAX_FRAME);
	assert_int_equal(frame_decode(buf, (size_t)m, &back, &used, 0), 0);
	assert_int_equal(back.truncated, 1);
	assert_int_equal(back.argv.len, 0);
	assert_int_equal(back.exe.len, 0);
}

static void host_ack(void **state)
{
	static const uint8_t want[] = { 0x1e, 0, 0, 0, 0xa2,
		0x6f, 'c','o','n','t','e','n','t','_','v','e','r','s','i','o','n',
		0x19, 0x01, 0x01,
		0x67, 'a','c','k','_','s','e','q', 0x18, 200 };
	size_t used;
	int m;

	(void)state;
	event_init(&ev, PS_HOST_ACK, 0, 0);
	event_set_uint(&ev, EVK_ACK_SEQ, 200);
	m = frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf));
	assert_int_equal(m, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(frame_decode(buf, (size_t)m, &back, &used, 0), 0);
	assert_int_equal(back.source, PS_HOST_ACK);
	assert_int_equal(back.ack_seq, 200);
}

static void v10_host_view(void **state)
{
	size_t used;
	int m;

	(void)state;
	event_init(&ev, PS_AGENT_HELLO, 7, 1);
	event_set_uint(&ev, EVK_SEQ, 0);
	m = frame_encode(&ev, WIRE_EXTENDED, buf, sizeof(buf));
	assert_int_equal(frame_decode(buf, (size_t)m, &back, &used,
				      FRAME_DEC_V10), WIRE_E_UNKNOWN_SOURCE);
	assert_int_equal(used, (size_t)m);	/* the reader can skip it */
	assert_int_equal(frame_decode(buf, (size_t)m, &back, &used, 0), 0);
}

static void framing_errors(void **state)
{
	size_t used = 0, bl;
	int m;

	(void)state;
	golden_spawned();
	m = frame_encode(&ev, WIRE_STRICT, buf, sizeof(buf));
	assert_int_equal(frame_decode(buf, 3, &back, &used, 0),
			 WIRE_E_SHORT_HEADER);
	assert_int_equal(frame_decode(buf, (size_t)m - 1, &back, &used, 0),
			 WIRE_E_FRAME_TRUNCATED);
	buf[1] = 0x10;
	buf[0] = 0x01;
	assert_int_equal(frame_peek(buf, 4, &bl), WIRE_E_FRAME_TOO_LARGE);
	buf[1] = 0x10;
	buf[0] = 0x00;
	assert_int_equal(frame_peek(buf, 4, &bl), 0);
	assert_int_equal(bl, WIRE_MAX_BODY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strict_is_golden),
		cmocka_unit_test(extended_round_trip),
		cmocka_unit_test(strict_refuses_v11_sources),
		cmocka_unit_test(nospace),
		cmocka_unit_test(cuts_to_fit),
		cmocka_unit_test(cuts_several_fields),
		cmocka_unit_test(host_ack),
		cmocka_unit_test(v10_host_view),
		cmocka_unit_test(framing_errors),
	};
	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
