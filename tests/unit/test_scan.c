/*
 * test_scan.c: the number scanners (src/lib/scan.c) at their edges:
 * UINT64_MAX and one past it, a small max, no digits, digits followed by
 * other bytes, hex in both cases; and the byte-order helpers of bytes.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/bytes.h"
#include "lib/scan.h"

#define S(s) (s), strlen(s)

static void decimal(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(scan_dec(S("18446744073709551615"), UINT64_MAX, &v), 20);
	assert_true(v == UINT64_MAX);
	assert_int_equal(scan_dec(S("18446744073709551616"), UINT64_MAX, &v), 0);
	assert_int_equal(scan_dec(S("99999999999999999999"), UINT64_MAX, &v), 0);
	assert_int_equal(scan_dec(S("65535 1"), 65535, &v), 5);
	assert_int_equal(v, 65535);
	assert_int_equal(scan_dec(S("65536"), 65535, &v), 0);
	assert_int_equal(scan_dec(S("12ab"), UINT64_MAX, &v), 2);
	assert_int_equal(v, 12);
	assert_int_equal(scan_dec(S("x1"), UINT64_MAX, &v), 0);
	assert_int_equal(scan_dec("", 0, UINT64_MAX, &v), 0);
	assert_int_equal(scan_dec("123", 2, UINT64_MAX, &v), 2);	/* not past n */
	assert_int_equal(v, 12);
	assert_int_equal(scan_dec(S("0"), 0, &v), 1);
	assert_int_equal(scan_dec(S("1"), 0, &v), 0);
}

static void whole(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(scan_dec_all(S("4294967295"), UINT32_MAX, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(scan_dec_all(S("4294967296"), UINT32_MAX, &v), -1);
	assert_int_equal(scan_dec_all(S("12 "), UINT64_MAX, &v), -1);
	assert_int_equal(scan_dec_all(S("+1"), UINT64_MAX, &v), -1);
	assert_int_equal(scan_dec_all("", 0, UINT64_MAX, &v), -1);
	assert_int_equal(scan_hex_all(S("c000003e"), UINT32_MAX, &v), 0);
	assert_int_equal(v, 0xc000003e);
	assert_int_equal(scan_hex_all(S("0100007F"), UINT32_MAX, &v), 0);
	assert_int_equal(v, 0x0100007f);
	assert_int_equal(scan_hex_all(S("ffffffffffffffff"), UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(scan_hex_all(S("10000000000000000"), UINT64_MAX, &v), -1);
	assert_int_equal(scan_hex_all(S("1g"), UINT64_MAX, &v), -1);
	assert_int_equal(scan_hex(S("ff:"), 0xff, &v), 2);
	assert_int_equal(scan_hex(S("100"), 0xff, &v), 0);
}

static void byte_order(void **state)
{
	uint8_t b[9] = { 0 };

	(void)state;
	le32_put(b + 1, 0x04030201u);	/* unaligned on purpose */
	assert_int_equal(b[1], 1);
	assert_int_equal(b[4], 4);
	assert_int_equal(le32_get(b + 1), 0x04030201u);
	memcpy(b + 1, &(uint64_t){ 0x1122334455667788ull }, 8);
	assert_true(ne64_get(b, 1) == 0x1122334455667788ull);
	assert_int_equal(ne32_get(b, 1), (uint32_t)0x55667788u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimal),
		cmocka_unit_test(whole),
		cmocka_unit_test(byte_order),
	};
	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
