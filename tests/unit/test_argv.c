/*
 * test_argv.c: argv escaping of doc/WIRE.md §4 (src/wire/argv.c): known
 * cases, exact round trips of random bytes, and cuts between units.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "wire/argv.h"
#include "wire/utf8.h"

static void known_cases(void **state)
{
	static const uint8_t raw[] = "ls\0\0caf\xe9\0a\\b\0\xc3\xa9";
	static const char want[] = "ls\0\0caf\\xe9\0a\\\\b\0\xc3\xa9";
	char out[64];
	size_t used, n;

	(void)state;
	n = argv_escape(out, sizeof(out), raw, sizeof(raw) - 1, &used);
	assert_int_equal(used, sizeof(raw) - 1);
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	assert_true(utf8_valid((const uint8_t *)out, n));
	assert_int_equal(argv_count(raw, sizeof(raw) - 1), 5);
	assert_int_equal(argv_count(raw, 0), 0);
}

static void round_trip_random(void **state)
{
	uint8_t raw[300], back[300];
	char text[1200];
	size_t n, used, t;
	ssize_t m;
	int i;

	(void)state;
	srand(12345);
	for (i = 0; i < 20000; i++) {
		n = (size_t)rand() % sizeof(raw);
		for (size_t j = 0; j < n; j++)
			raw[j] = (uint8_t)(i & 1 ? rand() : "a\\\0\xc3\xa9\xff"[rand() % 6]);
		t = argv_escape(text, sizeof(text), raw, n, &used);
		assert_int_equal(used, n);
		assert_true(utf8_valid((const uint8_t *)text, t));
		m = argv_unescape(back, sizeof(back), text, t);
		assert_int_equal(m, (ssize_t)n);
		assert_memory_equal(back, raw, n);
	}
}

static void cut_between_units(void **state)
{
	static const uint8_t raw[] = "\xff\\\xe6\xb0\xb4z";
	char text[32];
	uint8_t back[32];
	size_t used, t, max, c;

	(void)state;
	t = argv_escape(text, sizeof(text), raw, sizeof(raw) - 1, &used);
	assert_int_equal(t, 4 + 2 + 3 + 1);
	for (max = 0; max <= t; max++) {
		c = argv_cut(text, t, max);
		assert_true(c <= max);
		/* every cut is a prefix that still unescapes exactly */
		assert_true(argv_unescape(back, sizeof(back), text, c) >= 0);
	}
	assert_int_equal(argv_cut(text, t, 5), 4);
	assert_int_equal(argv_cut(text, t, 8), 6);
}

static void escape_stops_when_full(void **state)
{
	char out[5];
	size_t used, n;

	(void)state;
	n = argv_escape(out, sizeof(out), (const uint8_t *)"a\xff\xff", 3,
			&used);
	assert_int_equal(n, 5);
	assert_int_equal(used, 2);
}

static void unescape_rejects(void **state)
{
	uint8_t out[16];

	(void)state;
	assert_int_equal(argv_unescape(out, sizeof(out), "a\\", 2), -1);
	assert_int_equal(argv_unescape(out, sizeof(out), "\\q", 2), -1);
	assert_int_equal(argv_unescape(out, sizeof(out), "\\xg0", 4), -1);
	assert_int_equal(argv_unescape(out, sizeof(out), "\\xFF", 4), -1);
	assert_int_equal(argv_unescape(out, sizeof(out), "\\x41", 4), -1);
	assert_int_equal(argv_unescape(out, 1, "ab", 2), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_cases),
		cmocka_unit_test(round_trip_random),
		cmocka_unit_test(cut_between_units),
		cmocka_unit_test(escape_stops_when_full),
		cmocka_unit_test(unescape_rejects),
	};
	return cmocka_run_group_tests_name("argv", tests, NULL, NULL);
}
