/*
 * test_cgroup2.c: finding the cgroup2 mount in /proc/mounts text
 * (src/agent/cgroup2.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "agent/cgroup2.h"

#define FIND(s, out, cap) cgroup2_find(s, sizeof(s) - 1, out, cap)

static void finds_it(void **state)
{
	static const char hybrid[] =
		"tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
		"cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n"
		"cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
	static const char escaped[] =
		"none /mnt/my\\040cg\\134x cgroup2 rw 0 0";	/* no newline */
	static const char none[] =
		"cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n"
		"cgroup2fs /x cgroup2fs rw 0 0\n\n  \n";
	char out[64];

	(void)state;
	assert_int_equal(FIND(hybrid, out, sizeof(out)), 22);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(FIND(escaped, out, sizeof(out)), 12);
	assert_string_equal(out, "/mnt/my cg\\x");
	assert_int_equal(FIND(none, out, sizeof(out)), -1);
	assert_int_equal(FIND(hybrid, out, 22), -1);	/* no room for NUL */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
