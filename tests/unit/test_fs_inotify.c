/*
 * test_fs_inotify.c: inotify record parser (src/agent/fs/fs_inotify.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/inotify.h>
#include <cmocka.h>
#include "agent/fs/fs_inotify.h"

static struct inotify_rec got[4];
static char names[4][32];
static int ngot;

static void collect(void *ctx, const struct inotify_rec *r)
{
	(void)ctx;
	got[ngot] = *r;
	memcpy(names[ngot], r->name, r->name_len);
	ngot++;
}

static size_t put(uint8_t *buf, size_t off, int wd, uint32_t mask,
		  const char *name, uint32_t padded)
{
	struct inotify_event ie = { .wd = wd, .mask = mask, .len = padded };

	memcpy(buf + off, &ie, sizeof(ie));
	memset(buf + off + sizeof(ie), 0, padded);
	if (name)
		memcpy(buf + off + sizeof(ie), name, strlen(name));
	return off + sizeof(ie) + padded;
}

static void records(void **state)
{
	uint8_t buf[256];
	size_t n = 0;

	(void)state;
	ngot = 0;
	n = put(buf, n, 1, IN_CREATE, "new.txt", 16);
	n = put(buf, n, 2, IN_ATTRIB, NULL, 0);
	n = put(buf, n, -1, IN_Q_OVERFLOW, NULL, 0);
	assert_int_equal(inotify_parse(buf, n, collect, NULL), 3);
	assert_int_equal(got[0].wd, 1);
	assert_int_equal(got[0].name_len, 7);
	assert_string_equal(names[0], "new.txt");
	assert_int_equal(got[1].name_len, 0);
	assert_int_equal(got[2].mask, IN_Q_OVERFLOW);
}

static void truncated(void **state)
{
	uint8_t buf[256];
	size_t n;

	(void)state;
	ngot = 0;
	n = put(buf, 0, 1, IN_CREATE, "a", 16);
	n = put(buf, n, 1, IN_CREATE, "b", 16);
	assert_int_equal(inotify_parse(buf, n - 1, collect, NULL), -1);
	assert_int_equal(ngot, 1);	/* the whole first record still came */
	ngot = 0;
	assert_int_equal(inotify_parse(buf, 10, collect, NULL), -1);
	assert_int_equal(ngot, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records),
		cmocka_unit_test(truncated),
	};
	return cmocka_run_group_tests_name("fs_inotify", tests, NULL, NULL);
}
