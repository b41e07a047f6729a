/*
 * test_fs_track.c: the file probe's core (src/agent/fs/fs_track.c) on a
 * real inotify fd: two watched directories, create/modify/chmod/delete with
 * their names, a real queue overflow, and paths that cannot be watched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "agent/fs/fs_track.h"

#define MASK (IN_MODIFY | IN_CREATE | IN_DELETE | IN_ATTRIB)

static struct fs_track ft;
static char dir1[64], dir2[64];
static struct { uint32_t mask; char path[64]; char name[32]; } got[64];
static int ngot, nall;

static int collect(struct event *ev)
{
	nall++;
	if (ngot >= 64)
		return 0;
	got[ngot].mask = (uint32_t)ev->mask;
	memcpy(got[ngot].path, ev->path.s, ev->path.len);
	got[ngot].path[ev->path.len] = 0;
	memcpy(got[ngot].name, ev->name.s, ev->name.len);
	got[ngot].name[ev->name.len] = 0;
	ngot++;
	return 0;
}

static struct probe P = { .emit = collect };

/* Read everything queued and feed it in. */
static void drain(void)
{
	static char buf[FS_READ_BYTES] __attribute__((aligned(8)));
	ssize_t n;

	while ((n = read(ft.fd, buf, sizeof(buf))) > 0)
		fs_track_feed(&ft, buf, (size_t)n);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir1, "/tmp/ct-fs1-XXXXXX");
	strcpy(dir2, "/tmp/ct-fs2-XXXXXX");
	if (!mkdtemp(dir1) || !mkdtemp(dir2))
		return -1;
	memset(P.dropped, 0, sizeof(P.dropped));
	fs_track_init(&ft, inotify_init1(IN_NONBLOCK | IN_CLOEXEC), &P);
	ngot = nall = 0;
	return ft.fd < 0 || fs_track_add(&ft, dir1, strlen(dir1), MASK) ||
		fs_track_add(&ft, dir2, strlen(dir2), MASK);
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	close(ft.fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir1, dir2);
	return system(cmd) != 0;
}

static int seen(const char *dir, const char *name, uint32_t bit)
{
	int i;

	for (i = 0; i < ngot; i++)
		if (!strcmp(got[i].path, dir) && !strcmp(got[i].name, name) &&
		    (got[i].mask & bit))
			return 1;
	return 0;
}

static void four_kinds_two_dirs(void **state)
{
	char p[128];
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/a.txt", dir1);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(chmod(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/b.bin", dir2);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(unlink(p), 0);
	drain();
	assert_true(seen(dir1, "a.txt", IN_CREATE));
	assert_true(seen(dir1, "a.txt", IN_MODIFY));
	assert_true(seen(dir1, "a.txt", IN_ATTRIB));
	assert_true(seen(dir2, "b.bin", IN_CREATE));
	assert_true(seen(dir2, "b.bin", IN_DELETE));
	assert_false(seen(dir2, "a.txt", IN_CREATE));
	assert_int_equal(P.dropped[LOSS_INOTIFY_OVERFLOW], 0);
}

static void overflow_counted(void **state)
{
	char p[128];
	int i, max = 16384;
	FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");

	(void)state;
	if (f) {
		if (fscanf(f, "%d", &max) != 1)
			max = 16384;
		fclose(f);
	}
	/* distinct names: inotify coalesces identical consecutive events */
	for (i = 0; i < max / 2 + 1000; i++) {
		snprintf(p, sizeof(p), "%s/f%d", dir1, i);
		close(open(p, O_CREAT | O_WRONLY, 0600));
		assert_int_equal(unlink(p), 0);
	}
	drain();
	assert_int_equal(P.dropped[LOSS_INOTIFY_OVERFLOW], 1);
	assert_true(nall >= max - 1);	/* what the kernel kept came through */
}

static void bad_paths(void **state)
{
	static char longp[FS_PATH_MAX + 8];

	(void)state;
	assert_int_equal(fs_track_add(&ft, "/nonexistent/ct-path", 20, MASK), -1);
	assert_int_equal(errno, ENOENT);
	memset(longp, 'a', sizeof(longp) - 1);
	assert_int_equal(fs_track_add(&ft, longp, strlen(longp), MASK), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(four_kinds_two_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(overflow_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_paths, setup, teardown),
	};
	return cmocka_run_group_tests_name("fs_track", tests, NULL, NULL);
}
