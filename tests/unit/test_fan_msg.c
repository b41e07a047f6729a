/*
 * test_fan_msg.c: the fanotify pieces another probe can reuse
 * (src/agent/fan/): the record walker on records laid out as the kernel
 * writes them (info records, an overflow, cut and foreign headers) and
 * the info record parser (DFID_NAME, DFID, FID, foreign and cut records)
 * and the mountinfo line parser (escapes, optional fields, bad lines).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/fanotify.h>
#include <cmocka.h>
#include "agent/fan/fan_info.h"
#include "agent/fan/fan_mountinfo.h"
#include "agent/fan/fan_msg.h"

static struct fan_rec got[8];
static int ngot;

static void on_rec(void *ctx, const struct fan_rec *r)
{
	(void)ctx;
	if (ngot < 8)
		got[ngot++] = *r;
}

/* One record at b: mask, fd, pid and `info` extra bytes; its length. */
static size_t rec(uint8_t *b, uint64_t mask, int32_t fd, int32_t pid,
		  size_t info)
{
	struct fanotify_event_metadata m = {
		.event_len = (uint32_t)(sizeof(m) + info),
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = sizeof(m), .mask = mask, .fd = fd, .pid = pid };

	memcpy(b, &m, sizeof(m));
	memset(b + sizeof(m), 0xab, info);
	return sizeof(m) + info;
}

static void records(void **state)
{
	static uint8_t b[256];
	struct fan_stats st = { 0 };
	size_t n = 0;

	(void)state;
	ngot = 0;
	n += rec(b + n, FAN_OPEN_EXEC, 7, 4242, 0);
	n += rec(b + n, FAN_OPEN_EXEC, 8, 4243, 12);
	n += rec(b + n, FAN_Q_OVERFLOW, FAN_NOFD, 0, 0);
	fan_parse(b, n, on_rec, NULL, &st);
	assert_int_equal(ngot, 3);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.overflow, 1);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(got[0].fd, 7);
	assert_int_equal(got[0].pid, 4242);
	assert_int_equal(got[0].info_len, 0);
	assert_int_equal(got[1].info_len, 12);
	assert_int_equal(got[1].info[0], 0xab);
	assert_int_equal(got[2].fd, FAN_NOFD);
	/* cut inside the second record: the first only, counted */
	ngot = 0;
	memset(&st, 0, sizeof(st));
	fan_parse(b, 24 + 30, on_rec, NULL, &st);
	assert_int_equal(ngot, 1);
	assert_int_equal(st.malformed, 1);
	/* another version: nothing can be framed */
	ngot = 0;
	b[4] = FANOTIFY_METADATA_VERSION + 1;
	fan_parse(b, n, on_rec, NULL, &st);
	assert_int_equal(ngot, 0);
	assert_int_equal(st.malformed, 2);
}

/* One fid info record at b: type, an 8-byte handle, then name (with
 * its NUL, padded to 4) for DFID_NAME; its length. */
static size_t info(uint8_t *b, uint8_t type, const char *handle,
		   const char *name)
{
	size_t nl = name ? strlen(name) + 1 : 0, len = 4 + 8 + 8 + 8;
	uint32_t hb = 8;
	int32_t ht = 1;
	uint16_t l;

	len += (nl + 3) & ~(size_t)3;
	l = (uint16_t)len;
	memset(b, 0, len);
	b[0] = type;
	memcpy(b + 2, &l, 2);
	memcpy(b + 4, "fsid-001", 8);
	memcpy(b + 12, &hb, 4);
	memcpy(b + 16, &ht, 4);
	memcpy(b + 20, handle, 8);
	if (name)
		memcpy(b + 28, name, nl);
	return len;
}

static void info_records(void **state)
{
	static uint8_t b[256];
	struct fan_info fi;
	size_t n = 0;

	(void)state;
	n += info(b + n, FAN_EVENT_INFO_TYPE_DFID_NAME, "dirhandl", "report");
	n += info(b + n, FAN_EVENT_INFO_TYPE_FID, "objhandl", NULL);
	assert_int_equal(fan_info_parse(b, n, &fi), 0);
	assert_true(fi.has_dir && fi.has_obj);
	assert_memory_equal(fi.dir.fsid, "fsid-001", 8);
	assert_int_equal(fi.dir.fh_len, 16);
	assert_memory_equal(fi.dir.fh + 8, "dirhandl", 8);
	assert_memory_equal(fi.obj.fh + 8, "objhandl", 8);
	assert_int_equal(fi.name_len, 6);
	assert_memory_equal(fi.name, "report", 6);
	/* the directory itself ("."), and DFID without a name */
	n = info(b, FAN_EVENT_INFO_TYPE_DFID_NAME, "dirhandl", ".");
	assert_int_equal(fan_info_parse(b, n, &fi), 0);
	assert_true(fi.has_dir && !fi.has_obj);
	assert_int_equal(fi.name_len, 0);
	n = info(b, FAN_EVENT_INFO_TYPE_DFID, "dirhandl", NULL);
	assert_int_equal(fan_info_parse(b, n, &fi), 0);
	assert_true(fi.has_dir);
	assert_int_equal(fi.name_len, 0);
	/* a foreign record type is skipped */
	n = info(b, 99, "whatever", NULL);
	n += info(b + n, FAN_EVENT_INFO_TYPE_DFID_NAME, "dirhandl", "x");
	assert_int_equal(fan_info_parse(b, n, &fi), 0);
	assert_int_equal(fi.name_len, 1);
	/* a record longer than the bytes, a handle longer than its record,
	 * a length below the header: refused */
	assert_int_equal(fan_info_parse(b, n - 1, &fi), -1);
	n = info(b, FAN_EVENT_INFO_TYPE_FID, "objhandl", NULL);
	b[12] = 9;
	assert_int_equal(fan_info_parse(b, n, &fi), -1);
	b[12] = 8, b[2] = 2;
	assert_int_equal(fan_info_parse(b, n, &fi), -1);
	/* no info at all: nothing, and no error */
	assert_int_equal(fan_info_parse(b, 0, &fi), 0);
	assert_false(fi.has_dir || fi.has_obj);
}

/* Parse a line; 0 or -1, the mount point in point. */
static int line(const char *s, struct fan_mnt *m, char *point, size_t cap)
{
	return fan_mountinfo_parse(s, strlen(s), m, point, cap);
}

static void mountinfo(void **state)
{
	char point[64];
	struct fan_mnt m;

	(void)state;
	assert_int_equal(line("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 "
			      "shared:7 - ext3 /dev/root rw,errors=continue",
			      &m, point, sizeof(point)), 0);
	assert_int_equal(m.id, 36);
	assert_int_equal(m.parent, 35);
	assert_int_equal(m.major, 98);
	assert_int_equal(m.minor, 0);
	assert_string_equal(point, "/mnt/parent");
	assert_int_equal(m.point_len, 11);
	assert_int_equal(m.fstype_len, 4);
	assert_memory_equal(m.fstype, "ext3", 4);
	assert_int_equal(line("27 1 254:0 / /a\\040b\\011c\\134 rw - ext4 /dev/vda rw",
			      &m, point, sizeof(point)), 0);
	assert_string_equal(point, "/a b\tc\\");
	assert_int_equal(line("27 1 254:0 / / rw - ext4", &m, point,
			      sizeof(point)), 0);		/* no source */
	assert_int_equal(line("27 1 254:0 / / rw ext4 /dev/vda rw", &m, point,
			      sizeof(point)), -1);		/* no "-" */
	assert_int_equal(line("x 1 254:0 / / rw - ext4 a b", &m, point,
			      sizeof(point)), -1);
	assert_int_equal(line("27 1 254 / / rw - ext4 a b", &m, point,
			      sizeof(point)), -1);
	assert_int_equal(line("27 1 254:0 / /much-too-long-for-it rw - ext4 a b",
			      &m, point, 8), -1);
	assert_int_equal(line("", &m, point, sizeof(point)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records),
		cmocka_unit_test(info_records),
		cmocka_unit_test(mountinfo),
	};
	return cmocka_run_group_tests_name("fan_msg", tests, NULL, NULL);
}
