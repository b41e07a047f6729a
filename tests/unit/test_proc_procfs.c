/*
 * test_proc_procfs.c: /proc parsers (src/agent/proc/proc_procfs.c) on
 * fixed texts, and the readers against this process's own /proc entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "agent/proc/proc_procfs.h"

static void stat_with_odd_comm(void **state)
{
	static const char s[] = "4242 (a) b) (c)) S 17 4242 4242 0 -1 4194560 "
		"100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 50\n";
	struct procfs_stat st;

	(void)state;
	assert_int_equal(procfs_parse_stat(s, sizeof(s) - 1, &st), 0);
	assert_int_equal(st.comm_len, 9);
	assert_memory_equal(st.comm, "a) b) (c)", 9);
	assert_int_equal(st.ppid, 17);
	assert_int_equal(st.flags, 4194560);
	assert_false(st.flags & PROCFS_PF_KTHREAD);
	assert_int_equal(st.start_ticks, 123456);
	assert_int_equal(procfs_parse_stat("12 (x S 1", 9, &st), -1);
	assert_int_equal(procfs_parse_stat("12 (x) S", 8, &st), -1);
	assert_int_equal(procfs_parse_stat(s, 40, &st), -1);	/* cut */
}

static uint32_t me_seen;
static void see(void *ctx, uint32_t pid)
{
	(void)ctx;
	if (pid == (uint32_t)getpid())
		me_seen++;
}

static void readers_on_self(void **state)
{
	static char dbuf[4096] __attribute__((aligned(8)));
	struct procfs_stat st;
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	assert_true(procfd >= 0);
	assert_int_equal(procfs_read_stat(procfd, (uint32_t)getpid(), &st), 0);
	assert_int_equal(st.ppid, (uint32_t)getppid());
	assert_true(st.start_ticks > 0);
	/* a tiny buffer forces many getdents64 calls */
	assert_true(procfs_scan(procfd, dbuf, 512, see, NULL) > 1);
	assert_int_equal(me_seen, 1);
	close(procfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_with_odd_comm),
		cmocka_unit_test(readers_on_self),
	};
	return cmocka_run_group_tests_name("proc_procfs", tests, NULL, NULL);
}
