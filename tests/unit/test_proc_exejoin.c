/*
 * test_proc_exejoin.c: exec chains (src/agent/proc/proc_exejoin.c) on
 * sequences of opened files the way fanotify reports them: an ELF and
 * its ld.so, a script and its interpreters, two execs of one process
 * queued at once, failed execs (ENOEXEC, a missing #! interpreter) before
 * a good one, a pid reused by a later process, expiry and a full table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "agent/proc/proc_exejoin.h"

static struct exejoin J;

enum { ELF_DYN, ELF_STATIC, LDSO, SCRIPT, TEXT };

/* File `ino` of kind k opened by pid at seen_ns. */
static void open_file(uint32_t pid, uint64_t seen, uint64_t ino, int k,
		      int not_interp)
{
	static char path[32];
	struct exejoin_in in;

	memset(&in, 0, sizeof(in));
	in.pid = pid;
	in.seen_ns = seen;
	in.dev = 1;
	in.ino = ino;
	in.h.kind = k == SCRIPT ? EXEHDR_SCRIPT : k == TEXT ? EXEHDR_NOEXEC :
		EXEHDR_ELF;
	in.h.interp = k == ELF_DYN || k == SCRIPT;
	in.name = "/bin/sh";
	in.name_len = k == SCRIPT ? 7 : 0;
	in.not_interp = not_interp;
	in.path_len = (size_t)snprintf(path, sizeof(path), "/f%llu",
				       (unsigned long long)ino);
	in.path = path;
	exejoin_file(&J, &in);
}

/* Take pid's chain: its exe and interpreter inos (0: none). */
static void take(uint32_t pid, uint64_t start, int exe, int interp)
{
	const struct exejoin_chain *c = exejoin_take(&J, pid, start);
	char want[32];

	if (!exe) {
		assert_null(c);
		return;
	}
	assert_non_null(c);
	snprintf(want, sizeof(want), "/f%d", exe);
	assert_int_equal(c->exe.len, strlen(want));
	assert_memory_equal(c->exe.path, want, c->exe.len);
	if (!interp) {
		assert_int_equal(c->nfiles, 1);
		return;
	}
	assert_true(c->nfiles >= 2);
	snprintf(want, sizeof(want), "/f%d", interp);
	assert_memory_equal(c->interp.path, want, c->interp.len);
}

static int setup(void **state)
{
	(void)state;
	exejoin_init(&J);
	return 0;
}

static void elf_then_ldso(void **state)
{
	(void)state;
	open_file(10, 5, 1, ELF_DYN, 0);
	assert_false(exejoin_ready(&J, 10));		/* its ld.so is due */
	open_file(10, 5, 9, LDSO, 0);
	assert_true(exejoin_ready(&J, 10));
	open_file(11, 5, 2, ELF_STATIC, 0);
	assert_true(exejoin_ready(&J, 11));
	take(10, 1, 1, 9);
	take(11, 1, 2, 0);
	take(10, 1, 0, 0);
	assert_int_equal(J.failed, 0);
}

static void two_execs_queued(void **state)
{
	(void)state;
	/* sh -c 'exec x': both execs read before either connector event */
	open_file(20, 5, 1, ELF_DYN, 0);
	open_file(20, 5, 9, LDSO, 0);
	open_file(20, 5, 2, ELF_DYN, 0);
	open_file(20, 5, 9, LDSO, 0);
	assert_true(exejoin_more(&J, 20));
	take(20, 1, 1, 9);
	assert_true(exejoin_more(&J, 20));
	take(20, 1, 2, 9);
	assert_false(exejoin_more(&J, 20));
}

static void script_chain(void **state)
{
	size_t n;

	(void)state;
	open_file(30, 5, 3, SCRIPT, 0);
	assert_non_null(exejoin_wants(&J, 30, &n));
	assert_int_equal(n, 7);
	open_file(30, 5, 4, ELF_DYN, 0);		/* /bin/sh is dynamic */
	assert_null(exejoin_wants(&J, 30, &n));
	open_file(30, 5, 9, LDSO, 0);
	open_file(30, 5, 2, ELF_STATIC, 0);		/* then it execs x */
	take(30, 1, 3, 4);
	take(30, 1, 2, 0);
}

static void failed_execs_skipped(void **state)
{
	(void)state;
	open_file(40, 5, 5, TEXT, 0);			/* ENOEXEC */
	open_file(40, 5, 1, ELF_DYN, 0);
	open_file(40, 5, 9, LDSO, 0);
	take(40, 1, 1, 9);
	assert_int_equal(J.failed, 1);
	/* a script whose interpreter does not exist, then execvp goes on */
	open_file(41, 5, 3, SCRIPT, 0);
	open_file(41, 5, 2, ELF_STATIC, 1);		/* not its interpreter */
	take(41, 1, 2, 0);
	assert_int_equal(J.failed, 2);
	/* an ELF whose ld.so never opened, then a dynamic exec */
	open_file(42, 5, 1, ELF_DYN, 0);
	open_file(42, 5, 6, ELF_DYN, 0);		/* names an interpreter: no ld.so */
	open_file(42, 5, 9, LDSO, 0);
	take(42, 1, 6, 9);
	assert_int_equal(J.failed, 3);
}

static void pid_reused(void **state)
{
	(void)state;
	/* read at 100: before the process that has pid 50 now was forked */
	open_file(50, 100, 1, ELF_STATIC, 0);
	open_file(50, 300, 2, ELF_STATIC, 0);
	take(50, 200, 2, 0);
	assert_int_equal(J.failed, 1);
	/* exit at 400: what was read before it is that process's */
	open_file(51, 350, 1, ELF_STATIC, 0);
	open_file(51, 450, 2, ELF_STATIC, 0);
	exejoin_exit(&J, 51, 400);
	assert_int_equal(J.failed, 2);
	take(51, 0, 2, 0);
	open_file(52, 100, 1, ELF_STATIC, 0);
	exejoin_expire(&J, 101);
	take(52, 0, 0, 0);
	assert_int_equal(J.failed, 3);
}

static void doubt_and_full(void **state)
{
	const struct exejoin_chain *c;
	uint32_t i;

	(void)state;
	open_file(60, 5, 1, ELF_DYN, 0);
	open_file(60, 5, 9, LDSO, 0);
	take(60, 0, 1, 9);
	open_file(61, 5, 9, LDSO, 0);		/* a memfd's exec: ld.so alone */
	c = exejoin_take(&J, 61, 0);
	assert_non_null(c);
	assert_true(c->doubt);
	assert_int_equal(exejoin_room(&J), PROC_PEND_MAX);
	for (i = 0; i < PROC_PEND_MAX + 1; i++)
		open_file(100 + i, 5 + i, 2, ELF_STATIC, 0);
	assert_int_equal(exejoin_room(&J), 0);
	assert_int_equal(J.failed, 1);		/* the oldest went */
	take(100, 0, 0, 0);
	take(101, 0, 2, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(elf_then_ldso, setup),
		cmocka_unit_test_setup(two_execs_queued, setup),
		cmocka_unit_test_setup(script_chain, setup),
		cmocka_unit_test_setup(failed_execs_skipped, setup),
		cmocka_unit_test_setup(pid_reused, setup),
		cmocka_unit_test_setup(doubt_and_full, setup),
	};
	return cmocka_run_group_tests_name("proc_exejoin", tests, NULL, NULL);
}
