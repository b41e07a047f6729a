/*
 * test_utf8.c: strict UTF-8 checks, cuts and sanitising (src/wire/utf8.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "wire/utf8.h"

#define V(s) utf8_valid((const uint8_t *)(s), sizeof(s) - 1)

static void valid_and_invalid(void **state)
{
	(void)state;
	assert_true(V(""));
	assert_true(V("plain ascii"));
	assert_true(V("\0nul inside"));
	assert_true(V("\xc3\xa9"));			/* é */
	assert_true(V("\xe6\xb0\xb4"));			/* 水 */
	assert_true(V("\xf0\x90\x85\x91"));		/* U+10151 */
	assert_true(V("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	assert_false(V("\xff"));
	assert_false(V("\xc3"));			/* truncated */
	assert_false(V("\xc3\x28"));			/* bad continuation */
	assert_false(V("\xc0\xaf"));			/* overlong '/' */
	assert_false(V("\xe0\x80\xaf"));		/* overlong 3-byte */
	assert_false(V("\xed\xa0\x80"));		/* surrogate D800 */
	assert_false(V("\xf0\x80\x80\xaf"));		/* overlong 4-byte */
	assert_false(V("\xf4\x90\x80\x80"));		/* above U+10FFFF */
	assert_false(V("\xf8\x88\x80\x80\x80"));	/* 5-byte form */
	assert_false(V("\x80"));			/* lone continuation */
}

static void cut_on_boundary(void **state)
{
	const uint8_t *s = (const uint8_t *)"ab\xe6\xb0\xb4" "c";

	(void)state;
	assert_int_equal(utf8_cut(s, 6, 10), 6);
	assert_int_equal(utf8_cut(s, 6, 6), 6);
	assert_int_equal(utf8_cut(s, 6, 5), 5);
	assert_int_equal(utf8_cut(s, 6, 4), 2);	/* never inside 水 */
	assert_int_equal(utf8_cut(s, 6, 3), 2);
	assert_int_equal(utf8_cut(s, 6, 0), 0);
}

static void sanitize_replaces(void **state)
{
	char out[32];
	size_t used, n;

	(void)state;
	n = utf8_sanitize(out, sizeof(out), (const uint8_t *)"a\xff" "b", 3,
			  &used);
	assert_int_equal(n, 5);
	assert_memory_equal(out, "a\xef\xbf\xbd" "b", 5);
	assert_int_equal(used, 3);
	/* a cap that cannot take the replacement stops before it */
	n = utf8_sanitize(out, 3, (const uint8_t *)"ab\xff", 3, &used);
	assert_int_equal(n, 2);
	assert_int_equal(used, 2);
	assert_true(utf8_valid((const uint8_t *)out, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_and_invalid),
		cmocka_unit_test(cut_on_boundary),
		cmocka_unit_test(sanitize_replaces),
	};
	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
