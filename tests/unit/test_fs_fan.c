/*
 * test_fs_fan.c: the file probe's fanotify side without a kernel: the op
 * names of a mask (fs_event.c), and records laid out as a
 * FAN_REPORT_DFID_NAME group reads them matched to watches by their
 * handles (fs_fanev.c): an entry of a watched directory, the watched
 * file itself, the directory itself ("."), the agent's own record, an
 * overflow, a directory no watch holds, a mask the watch did not ask
 * for, and bytes that cannot be framed; the per-drain directory cache
 * of the tree watches (fs_dircache.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <cmocka.h>
#include "agent/fs/fs_dircache.h"
#include "agent/fs/fs_event.h"
#include "agent/fs/fs_fan.h"

static struct { uint32_t pid, mask; char path[64], name[32], op[64]; } got[8];
static int ngot;

static int collect(struct event *ev)
{
	if (ngot < 8) {
		got[ngot].pid = (uint32_t)ev->pid;
		got[ngot].mask = (uint32_t)ev->mask;
		memcpy(got[ngot].path, ev->path.s, ev->path.len);
		got[ngot].path[ev->path.len] = 0;
		memcpy(got[ngot].name, ev->name.s, ev->name.len);
		got[ngot].name[ev->name.len] = 0;
		memcpy(got[ngot].op, ev->op.s, ev->op.len);
		got[ngot].op[ev->op.len] = 0;
		if (!(ev->has & EVK_BIT(EVK_NAME)))
			got[ngot].name[0] = 0;
	}
	ngot++;
	return 0;
}

static struct probe P = { .emit = collect };
static struct fs_fan F;

static void op_names(void **state)
{
	char b[WIRE_OP_MAX];

	(void)state;
	assert_int_equal(fs_op_names(FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CREATE,
				     b, sizeof(b)), 25);
	assert_string_equal(b, "modify,close_write,create");
	assert_int_equal(fs_op_names(FAN_ONDIR | FAN_Q_OVERFLOW, b, sizeof(b)), 0);
	assert_string_equal(b, "");
	fs_op_names(0xfff, b, sizeof(b));
	assert_string_equal(b, "access,modify,attrib,close_write,close_nowrite,"
			    "open,moved_from,moved_to,create,delete,"
			    "delete_self,move_self");
	assert_int_equal(fs_op_names(FAN_ACCESS | FAN_MODIFY, b, 10), 6);
	assert_string_equal(b, "access");	/* what fits, whole names */
}

/* A fid: fsid "FSID0001", an 8-byte handle h. */
static void fid(struct fs_fid *id, const char *h)
{
	uint32_t hb = 8;
	int32_t ht = 1;

	memcpy(id->fsid, "FSID0001", 8);
	memcpy(id->fh, &hb, 4);
	memcpy(id->fh + 4, &ht, 4);
	memcpy(id->fh + 8, h, 8);
	id->len = 16;
}

/* One record at b: mask, pid, a DFID_NAME of handle h and name; its
 * length. */
static size_t rec(uint8_t *b, uint64_t mask, int32_t pid, const char *h,
		  const char *name)
{
	size_t nl = strlen(name) + 1, il = 4 + 8 + 16 + ((nl + 3) & ~3u);
	struct fanotify_event_metadata m = {
		.event_len = (uint32_t)(sizeof(m) + il),
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = sizeof(m), .mask = mask, .fd = FAN_NOFD,
		.pid = pid };
	struct fs_fid id;
	uint16_t l = (uint16_t)il;

	memcpy(b, &m, sizeof(m));
	b += sizeof(m);
	memset(b, 0, il);
	b[0] = FAN_EVENT_INFO_TYPE_DFID_NAME;
	memcpy(b + 2, &l, 2);
	fid(&id, h);
	memcpy(b + 4, id.fsid, 8);
	memcpy(b + 12, id.fh, 16);
	memcpy(b + 28, name, nl);
	return sizeof(m) + il;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	memset(&P.dropped, 0, sizeof(P.dropped));
	F.fd = F.procfd = -1;
	F.self = (uint32_t)getpid();
	F.p = &P;
	F.nwatch = 2;
	F.w[0].path = "/srv/data";		/* a directory */
	F.w[0].len = F.w[0].rlen = 9, F.w[0].base = 5, F.w[0].isdir = 1;
	strcpy(F.w[0].real, F.w[0].path);
	F.w[0].mask = FAN_CREATE | FAN_MODIFY | FAN_ATTRIB;
	fid(&F.w[0].self, "dir-data");
	fid(&F.w[0].parent, "dir-srv.");
	F.w[1].path = "/etc/passwd";		/* a file */
	F.w[1].len = F.w[1].rlen = 11, F.w[1].base = 5;
	strcpy(F.w[1].real, F.w[1].path);
	F.w[1].mask = FAN_MODIFY | FAN_OPEN;
	fid(&F.w[1].parent, "dir-etc.");
	F.w[0].root_fd = F.w[1].root_fd = -1;
	ngot = 0;
	return 0;
}

static void matched_by_handle(void **state)
{
	static uint8_t b[1024] __attribute__((aligned(8)));
	size_t n = 0;

	(void)state;
	n += rec(b + n, FAN_CREATE, 0, "dir-data", "report.txt");
	n += rec(b + n, FAN_OPEN, 0, "dir-etc.", "passwd");
	n += rec(b + n, FAN_ATTRIB | FAN_ONDIR, 0, "dir-data", ".");
	n += rec(b + n, FAN_MODIFY, (int32_t)F.self, "dir-data", "mine");
	n += rec(b + n, FAN_MODIFY, 0, "dir-else", "other");
	n += rec(b + n, FAN_OPEN, 0, "dir-data", "opened");	/* not asked */
	n += rec(b + n, FAN_OPEN, 0, "dir-etc.", "shadow");	/* not the file */
	fs_fan_feed(&F, b, n);
	assert_int_equal(ngot, 3);
	assert_string_equal(got[0].path, "/srv/data");
	assert_string_equal(got[0].name, "report.txt");
	assert_string_equal(got[0].op, "create");
	assert_string_equal(got[1].path, "/etc/passwd");
	assert_string_equal(got[1].name, "");
	assert_string_equal(got[1].op, "open");
	assert_string_equal(got[2].path, "/srv/data");
	assert_string_equal(got[2].name, "");
	assert_int_equal(got[2].mask, FAN_ATTRIB | FAN_ONDIR);
	assert_int_equal(F.foreign, 3);
	assert_int_equal(P.dropped[LOSS_FANOTIFY_OVERFLOW], 0);
}

static void overflow_and_garbage(void **state)
{
	static uint8_t b[256] __attribute__((aligned(8)));
	struct fanotify_event_metadata m = {
		.event_len = sizeof(m), .vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = sizeof(m), .mask = FAN_Q_OVERFLOW,
		.fd = FAN_NOFD };
	size_t n;

	(void)state;
	memcpy(b, &m, sizeof(m));
	n = sizeof(m) + rec(b + sizeof(m), FAN_MODIFY, 0, "dir-data", "x");
	fs_fan_feed(&F, b, n);
	assert_int_equal(P.dropped[LOSS_FANOTIFY_OVERFLOW], 1);
	assert_int_equal(ngot, 1);
	/* a record without info records, then a cut header */
	m.mask = FAN_MODIFY;
	memcpy(b, &m, sizeof(m));
	fs_fan_feed(&F, b, sizeof(m) + 8);
	assert_int_equal(ngot, 1);
	assert_int_equal(P.dropped[LOSS_PROBE_ERROR], 2);
}

static void dir_cache(void **state)
{
	static const uint8_t h1[17] = "\x08\0\0\0\x01\0\0\0handle-1";
	static const uint8_t h2[17] = "\x08\0\0\0\x01\0\0\0handle-2";
	struct fan_fid a = { .fh = h1, .fh_len = 16 }, b = { .fh = h2, .fh_len = 16 };
	struct fan_fid c = { .fh = h1, .fh_len = 16 };
	const char *path;
	size_t len;
	int w;

	(void)state;
	memcpy(a.fsid, "FSID0001", 8);
	memcpy(b.fsid, "FSID0001", 8);
	memcpy(c.fsid, "FSID0002", 8);
	fs_dircache_begin();
	assert_int_equal(fs_dircache_get(&a, &w, &path, &len), 0);
	fs_dircache_put(&a, 3, "/srv/data/x", 11);
	fs_dircache_put(&b, -1, "/elsewhere", 10);
	assert_int_equal(fs_dircache_get(&a, &w, &path, &len), 1);
	assert_int_equal(w, 3);
	assert_int_equal(len, 11);
	assert_memory_equal(path, "/srv/data/x", 11);
	if (fs_dircache_get(&b, &w, &path, &len))	/* unless they collided */
		assert_int_equal(w, -1);
	assert_int_equal(fs_dircache_get(&c, &w, &path, &len), 0);	/* fsid */
	fs_dircache_begin();				/* the next drain */
	assert_int_equal(fs_dircache_get(&a, &w, &path, &len), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(op_names),
		cmocka_unit_test_setup(matched_by_handle, setup),
		cmocka_unit_test_setup(overflow_and_garbage, setup),
		cmocka_unit_test(dir_cache),
	};
	return cmocka_run_group_tests_name("fs_fan", tests, NULL, NULL);
}
