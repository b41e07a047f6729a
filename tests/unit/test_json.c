/*
 * test_json.c: the JSON writer (src/host/json.c): escapes of every
 * control byte and U+0000, commas and nesting, an overflow that sticks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "checks.h"
#include "host/json.h"

static char buf[4096];
static struct json_buf j;

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
	assert_json(&j, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
	     "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012"
	     "\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a"
	     "\\u001b\\u001c\\u001d\\u001e\\u001f\\\"\\\\\"");
	json_init(&j, buf, sizeof(buf));
	json_str(&j, "p\xc3\xa9\x7f/", 5);	/* UTF-8 and DEL as they are */
	assert_json(&j, "\"p\xc3\xa9\x7f/\"");
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
	assert_json(&j, "{\"a\":0,\"b\":18446744073709551615,\"c\":[\"x\",{}]}");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(structure),
		cmocka_unit_test(overflow_sticks),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
