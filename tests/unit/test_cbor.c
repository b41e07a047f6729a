/*
 * test_cbor.c: the CBOR subset encoder and cursor decoder (src/wire/cbor.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "wire/cbor.h"

/* Encode one uint and compare with the expected shortest-form bytes. */
static void expect_uint(uint64_t v, const char *hex)
{
	uint8_t buf[16], want[16];
	struct cbor_enc e;
	size_t n = strlen(hex) / 2, i;
	unsigned b;

	for (i = 0; i < n; i++) {
		sscanf(hex + 2 * i, "%2x", &b);
		want[i] = (uint8_t)b;
	}
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_uint(&e, v);
	assert_int_equal(e.err, 0);
	assert_int_equal(e.len, n);
	assert_memory_equal(buf, want, n);
	assert_int_equal(cbor_head_len(v), n);
}

static void uint_shortest_form(void **state)
{
	(void)state;
	expect_uint(0, "00");
	expect_uint(23, "17");
	expect_uint(24, "1818");
	expect_uint(255, "18ff");
	expect_uint(256, "190100");
	expect_uint(65535, "19ffff");
	expect_uint(65536, "1a00010000");
	expect_uint(4294967295u, "1affffffff");
	expect_uint(4294967296ull, "1b0000000100000000");
	expect_uint(UINT64_MAX, "1bffffffffffffffff");
}

static void text_and_map(void **state)
{
	uint8_t buf[64];
	struct cbor_enc e;
	static const uint8_t want[] = { 0xa1, 0x61, 'a', 0x78, 0x18,
		'x','x','x','x','x','x','x','x','x','x','x','x',
		'x','x','x','x','x','x','x','x','x','x','x','x' };

	(void)state;
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_map(&e, 1);
	cbor_put_cstr(&e, "a");
	cbor_put_text(&e, "xxxxxxxxxxxxxxxxxxxxxxxx", 24);
	assert_int_equal(e.err, 0);
	assert_int_equal(e.len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void size_only_and_sticky_error(void **state)
{
	uint8_t buf[5];
	struct cbor_enc e;

	(void)state;
	cbor_enc_init(&e, NULL, 0);
	cbor_put_map(&e, 1);
	cbor_put_cstr(&e, "key");
	cbor_put_uint(&e, 1000);
	assert_int_equal(e.err, 0);
	assert_int_equal(e.len, 1 + 4 + 3);

	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_map(&e, 1);
	cbor_put_cstr(&e, "key");	/* fits exactly: 1 + 1 + 3 bytes */
	assert_int_equal(e.err, 0);
	cbor_put_uint(&e, 1000);	/* does not fit */
	assert_int_equal(e.err, WIRE_E_NOSPACE);
	cbor_put_uint(&e, 1);		/* stays failed, keeps counting */
	assert_int_equal(e.err, WIRE_E_NOSPACE);
	assert_int_equal(e.len, 1 + 4 + 3 + 1);
}

static void decode_any_width(void **state)
{
	/* 5 in every width 0..27: the decoder must take them all */
	static const uint8_t in[] = { 0x05, 0x18, 0x05, 0x19, 0x00, 0x05,
		0x1a, 0, 0, 0, 5, 0x1b, 0, 0, 0, 0, 0, 0, 0, 5 };
	struct cbor_dec d;
	uint64_t v;
	int i;

	(void)state;
	cbor_dec_init(&d, in, sizeof(in));
	for (i = 0; i < 5; i++) {
		assert_int_equal(cbor_get_uint(&d, &v), 0);
		assert_int_equal(v, 5);
	}
	assert_int_equal(d.pos, sizeof(in));
	assert_int_equal(cbor_get_uint(&d, &v), WIRE_E_UNEXPECTED_EOF);
}

static void decode_rejects(void **state)
{
	struct cbor_dec d;
	uint64_t v;
	const char *s;
	size_t n;
	static const uint8_t neg[] = { 0x20 }, bytes[] = { 0x41, 0 },
		arr[] = { 0x80 }, tag[] = { 0xc0, 0 }, flt[] = { 0xf9, 0, 0 },
		ai28[] = { 0x1c }, indef[] = { 0x7f }, shorthead[] = { 0x19, 1 },
		textpast[] = { 0x63, 'a' }, badutf[] = { 0x62, 0xc3, 0x28 },
		text[] = { 0x61, 'a' };

	(void)state;
#define REJ(buf, fn, err) do { cbor_dec_init(&d, buf, sizeof(buf)); \
	assert_int_equal(fn, err); assert_int_equal(d.pos, 0); } while (0)
	REJ(neg, cbor_get_uint(&d, &v), WIRE_E_UNSUPPORTED_MAJOR);
	REJ(bytes, cbor_get_text(&d, &s, &n), WIRE_E_UNSUPPORTED_MAJOR);
	REJ(arr, cbor_get_map(&d, &v), WIRE_E_UNSUPPORTED_MAJOR);
	REJ(tag, cbor_get_uint(&d, &v), WIRE_E_UNSUPPORTED_MAJOR);
	REJ(flt, cbor_get_uint(&d, &v), WIRE_E_UNSUPPORTED_MAJOR);
	REJ(ai28, cbor_get_uint(&d, &v), WIRE_E_UNSUPPORTED_ADDITIONAL);
	REJ(indef, cbor_get_text(&d, &s, &n), WIRE_E_UNSUPPORTED_ADDITIONAL);
	REJ(shorthead, cbor_get_uint(&d, &v), WIRE_E_UNEXPECTED_EOF);
	REJ(textpast, cbor_get_text(&d, &s, &n), WIRE_E_UNEXPECTED_EOF);
	REJ(badutf, cbor_get_text(&d, &s, &n), WIRE_E_INVALID_UTF8);
	REJ(text, cbor_get_uint(&d, &v), WIRE_E_FIELD_TYPE);
	REJ(text, cbor_get_map(&d, &v), WIRE_E_FIELD_TYPE);
#undef REJ
}

static void map_count_checked(void **state)
{
	/* a map claiming 2^32 pairs in 9 bytes must fail before any walk */
	static const uint8_t in[] = { 0xba, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
	struct cbor_dec d;
	uint64_t v;

	(void)state;
	cbor_dec_init(&d, in, sizeof(in));
	assert_int_equal(cbor_get_map(&d, &v), WIRE_E_UNEXPECTED_EOF);
}

static void skip_nesting(void **state)
{
	/* {"a": {"b": 1}} : skippable at depth 2, not at depth 1 */
	static const uint8_t in[] = { 0xa1, 0x61, 'a', 0xa1, 0x61, 'b', 0x01 };
	struct cbor_dec d;

	(void)state;
	cbor_dec_init(&d, in, sizeof(in));
	assert_int_equal(cbor_skip(&d, 2), 0);
	assert_int_equal(d.pos, sizeof(in));
	cbor_dec_init(&d, in, sizeof(in));
	assert_int_equal(cbor_skip(&d, 1), WIRE_E_FIELD_TYPE);
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(wire_errname(WIRE_E_FRAME_TOO_LARGE), "FrameTooLarge");
	assert_string_equal(wire_errname(WIRE_E_CONTENT_VERSION_FIRST),
			    "ContentVersionMustBeFirst");
	assert_string_equal(wire_errname(WIRE_E_UNSUPPORTED_VERSION),
			    "UnsupportedContentVersion");
	assert_string_equal(wire_errname(WIRE_E_TRAILING_BYTES), "TrailingBytes");
	assert_int_equal(wire_errbyname("InvalidUtf8"), WIRE_E_INVALID_UTF8);
	assert_int_equal(wire_errbyname("NoSuchError"), 0);
	assert_int_equal(-WIRE_E_TRAILING_BYTES, WIRE_NDECODE_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uint_shortest_form),
		cmocka_unit_test(text_and_map),
		cmocka_unit_test(size_only_and_sticky_error),
		cmocka_unit_test(decode_any_width),
		cmocka_unit_test(decode_rejects),
		cmocka_unit_test(map_count_checked),
		cmocka_unit_test(skip_nesting),
		cmocka_unit_test(error_names),
	};
	return cmocka_run_group_tests_name("cbor", tests, NULL, NULL);
}
