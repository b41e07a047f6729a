/*
 * test_net_cgroup2.c: finding the cgroup2 mount in /proc/mounts text, and
 * mounting it when there is none (src/agent/net/net_cgroup2.c).  The
 * mount test runs in a child with a private mount namespace and a private
 * /run, where it unmounts every cgroup2 first: the machine's mounts are
 * never touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/net/net_cgroup2.h"
#include "lib/caps.h"
#include "lib/sys.h"

#define CGROUP2_MAGIC 0x63677270	/* CGROUP2_SUPER_MAGIC */

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

static int is_cgroup2(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == CGROUP2_MAGIC;
}

/* In the child: 0 when cgroup2_root mounted and cgroup2_unmount removed a
 * cgroup2 hierarchy; 77 when the namespace could not be made. */
static int mount_child(void)
{
	static char mounts[64 * 1024];
	char path[NET_PATH_MAX], why[MECH_WHY_MAX];
	ssize_t n;
	int mounted;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("none", "/run", "tmpfs", 0, NULL) < 0)
		return 77;
	while ((n = sys_read_file("/proc/mounts", mounts, sizeof(mounts))) > 0 &&
	       cgroup2_find(mounts, (size_t)n, path, sizeof(path)) > 0)
		if (umount2(path, MNT_DETACH) < 0)
			return 77;
	if (cgroup2_root(path, sizeof(path), &mounted, why, sizeof(why)) < 0)
		return 1;
	if (!mounted || strcmp(path, NET_CGROUP2_MNT) != 0)
		return 2;
	if (!is_cgroup2(path) || access(NET_CGROUP2_MNT "/cgroup.procs", R_OK) < 0)
		return 3;
	cgroup2_unmount(path);
	return is_cgroup2(path) ? 4 : 0;
}

static void mounts_when_missing(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	if (pid == 0)
		_exit(mount_child());
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_it),
		cmocka_unit_test(mounts_when_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
