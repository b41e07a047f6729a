/*
 * test_fmt.c: the agent's small printf (src/lib/fmt.c) against the C
 * library's snprintf for every conversion it takes, truncation and the
 * would-be length, an unknown conversion, and fmt_fd through a pipe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/fmt.h"

/* The cases truncate on purpose and feed conversions fmt must refuse. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

/* Both formatters, same arguments: same text, same length. */
#define SAME(cap, ...) do {						\
	char w[256], g[256];						\
	int nw = snprintf(w, cap, __VA_ARGS__);				\
	int ng = fmt_str(g, cap, __VA_ARGS__);				\
	assert_int_equal(ng, nw);					\
	assert_string_equal(g, w);					\
} while (0)

static void as_libc(void **state)
{
	(void)state;
	SAME(256, "plain");
	SAME(256, "%d %d %d %i", 0, -1, 2147483647, -2147483647 - 1);
	SAME(256, "%u %u %x %x", 0u, 4294967295u, 0xdeadbeefu, 0u);
	SAME(256, "%lu %ld %llu %lld", 18446744073709551615ul, -5l,
	     18446744073709551615ull, -9223372036854775807ll - 1);
	SAME(256, "%zu %jd %hu %hhu", (size_t)42, (intmax_t)-7,
	     (unsigned short)65535, (unsigned char)255);
	SAME(256, "%s|%.3s|%.*s|%.0s|%c%%", "abc", "abcdef", 2, "xyz", "q",
	     'Z');
	SAME(256, "[%.*s]", -1, "negative precision: all of it");
	SAME(8, "%s", "truncated text");
	SAME(1, "%u", 12345u);
	SAME(5, "%llu", 123456789ull);
}

static void unknown_and_empty(void **state)
{
	char b[16];

	(void)state;
	assert_int_equal(fmt_str(b, sizeof(b), "%s", ""), 0);
	assert_string_equal(b, "");
	/* a conversion fmt does not take shows, it is not undefined */
	assert_int_equal(fmt_str(b, sizeof(b), "a%qb"), 3);
	assert_string_equal(b, "a?b");
	assert_int_equal(fmt_str(b, sizeof(b), "end%"), 4);
	assert_string_equal(b, "end?");
	assert_int_equal(fmt_str(NULL, 0, "%u", 99u), 2);
}

/* fmt_fd writes a text longer than its buffer whole. */
static void to_fd(void **state)
{
	static char big[3000], got[4000];
	int p[2];
	ssize_t n, have = 0;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fmt_fd(p[1], "<%s> %u\n", big, 7u), 0);
	close(p[1]);
	while ((n = read(p[0], got + have, sizeof(got) - (size_t)have)) > 0)
		have += n;
	close(p[0]);
	assert_int_equal(have, (ssize_t)sizeof(big) - 1 + 5);
	assert_memory_equal(got + have - 4, "> 7\n", 4);
	assert_int_equal(fmt_fd(-1, "x"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(as_libc),
		cmocka_unit_test(unknown_and_empty),
		cmocka_unit_test(to_fd),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
