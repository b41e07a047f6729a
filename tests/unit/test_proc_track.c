/*
 * test_proc_track.c: process bookkeeping (src/agent/proc/proc_track.c)
 * with real child processes: /proc enrichment at exec, events for
 * processes already gone, exit status decoding, and the /proc rescan
 * diff, and an exec whose exit is ahead in the batch (not looked up).
 * Connector records are built here; the real socket is tested with the
 * agent in tests/integ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "agent/proc/proc_track.h"
#include "lib/caps.h"
#include "wire/argv.h"

static struct ptable_ent slots[PROC_TABLE_CAP];
static struct proc_track pt;
static struct event got[64];
static int ngot, nall;
static uint32_t want;		/* keep only this pid's events; 0: all */

static int collect(struct event *ev)
{
	nall++;
	if (ngot < 64 && (!want || ev->pid == want))
		got[ngot++] = *ev;
	return 0;
}

static struct probe P = { .emit = collect };

static int setup(void **state)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)state;
	proc_track_init(&pt, slots, PROC_TABLE_CAP, procfd, 0, &P);
	memset(P.incomplete, 0, sizeof(P.incomplete));
	ngot = nall = 0;
	want = 0;
	return procfd < 0;
}

static int teardown(void **state)
{
	(void)state;
	close(pt.procfd);
	return 0;
}

/* Start `sh -c 'read x'` with awkward arguments, blocked reading a pipe
 * we hold; returns its pid once it has exec'd. */
static pid_t spawn_sleeper(void)
{
	static char big[10 * 1024 + 1];
	static int hold[2] = { -1, -1 };
	int p[2];
	pid_t pid;
	char c;

	memset(big, 'B', sizeof(big) - 1);
	if (hold[0] < 0 && pipe2(hold, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "sh", "-c", "read x", "sh", "", "caf\xe9",
				 big, NULL };

		dup2(hold[0], 0);
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(p[1]);
	(void)!read(p[0], &c, 1);	/* EOF once exec closed it */
	close(p[0]);
	return pid;
}

static struct event *find(int src, uint32_t pid)
{
	int i;

	for (i = 0; i < ngot; i++)
		if (got[i].source == src && got[i].pid == pid)
			return &got[i];
	return NULL;
}

static void exec_enriched_then_killed(void **state)
{
	struct cnproc_rec r = { 0 };
	uint8_t raw[WIRE_TEXT_MAX];
	struct event *e;
	pid_t pid = spawn_sleeper();
	int st;
	ssize_t n;

	(void)state;
	assert_true(pid > 0);
	r.kind = CNP_FORK, r.pid = r.tgid = (uint32_t)pid;
	r.ppid = r.ptgid = (uint32_t)getpid(), r.ts_ns = 5;
	proc_track_rec(&pt, &r);
	r.kind = CNP_EXEC, r.ts_ns = 6;
	proc_track_rec(&pt, &r);
	e = find(PS_PROCESS_EXEC, (uint32_t)pid);
	assert_non_null(e);
	assert_int_equal(e->comm.len, 2);
	assert_memory_equal(e->comm.s, "sh", 2);
	assert_true(e->exe.len > 0);
	assert_int_equal(e->argc, 7);
	assert_int_equal(e->truncated, 1);	/* 10 KiB cannot all fit */
	assert_int_equal(e->uid, geteuid());
	assert_false(e->has & EVK_BIT(EVK_ARGV_LOST));
	assert_true(e->cwd.len > 0);
	assert_int_equal(e->ppid, getpid());
	assert_int_equal(e->start_ns, 5);
	n = argv_unescape(raw, sizeof(raw), e->argv.s, e->argv.len);
	assert_true(n > 20);
	assert_memory_equal(raw, "sh\0-c\0read x\0sh\0\0caf\xe9\0BBB", 25);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	r.kind = CNP_EXIT, r.status = (uint32_t)st, r.ts_ns = 7;
	proc_track_rec(&pt, &r);
	e = find(PS_PROCESS_EXITED, (uint32_t)pid);
	assert_non_null(e);
	assert_int_equal(e->exit_signal, SIGKILL);
	assert_false(e->has & EVK_BIT(EVK_EXIT_CODE));
	assert_int_equal(e->start_ns, 5);
	assert_memory_equal(e->comm.s, "sh", 2);	/* from the table */
}

static void gone_before_enrichment(void **state)
{
	struct cnproc_rec r = { .kind = CNP_EXEC, .pid = 4000000,
				.tgid = 4000000, .ts_ns = 9 };
	struct event *e;

	(void)state;
	proc_track_rec(&pt, &r);
	e = find(PS_PROCESS_EXEC, 4000000);
	assert_non_null(e);		/* sent anyway, with what is known */
	assert_false(e->has & EVK_BIT(EVK_ARGV));
	assert_int_equal(e->argv_lost, 1);	/* and says what it lacks */
	assert_int_equal(P.incomplete[INC_ARGV_LOST], 1);
	r.kind = CNP_EXIT, r.status = 3 << 8, r.ptgid = 1;
	proc_track_rec(&pt, &r);
	e = find(PS_PROCESS_EXITED, 4000000);
	assert_non_null(e);
	assert_int_equal(e->exit_code, 3);
	/* a thread's fork and exit are not process events */
	ngot = 0;
	r.kind = CNP_FORK, r.pid = 4000001, r.tgid = 4000000;
	proc_track_rec(&pt, &r);
	r.kind = CNP_EXIT;
	proc_track_rec(&pt, &r);
	assert_int_equal(ngot, 0);
}

static void rescan_diff(void **state)
{
	struct event *e;
	pid_t pid;
	int st;

	(void)state;
	want = (uint32_t)getpid();
	assert_true(proc_track_rescan(&pt) > 1);
	assert_true(nall > 1);		/* every process: the inventory */
	e = find(PS_PROCESS_SPAWNED, (uint32_t)getpid());
	assert_non_null(e);
	assert_int_equal(e->synthetic, 1);
	assert_true(e->exe.len > 0 && e->cwd.len > 0 && e->argc > 0);
	assert_int_equal(e->uid, geteuid());	/* the inventory's enrichment */
	assert_int_equal(e->ppid, getppid());
	assert_true(e->start_ns > 0);
	pid = spawn_sleeper();
	want = (uint32_t)pid;
	ngot = nall = 0;
	proc_track_rescan(&pt);
	assert_non_null(find(PS_PROCESS_SPAWNED, (uint32_t)pid));
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ngot = 0;
	proc_track_rescan(&pt);
	e = find(PS_PROCESS_EXITED, (uint32_t)pid);
	assert_non_null(e);
	assert_int_equal(e->synthetic, 1);
	assert_memory_equal(e->comm.s, "sh", 2);
	assert_int_equal(ngot, 1);		/* reported once */
}

/* A one-file chain for pid: the file at /bin/sh as fanotify would
 * report it (a static ELF, so that the chain is whole). */
static void chain_of_sh(struct proc_fan *fan, uint32_t pid)
{
	struct exejoin_in in;
	struct stat st;

	assert_int_equal(stat("/bin/sh", &st), 0);
	memset(&in, 0, sizeof(in));
	in.pid = pid;
	in.seen_ns = 6;
	in.h.kind = EXEHDR_ELF;
	in.dev = (uint64_t)st.st_dev, in.ino = (uint64_t)st.st_ino;
	in.path = "/bin/sh", in.path_len = 7;
	exejoin_file(&fan->join, &in);
}

/* fork and exec records of pid (a child of ours) */
static void forked_and_execd(uint32_t pid)
{
	struct cnproc_rec r = { 0 };

	r.kind = CNP_FORK, r.pid = r.tgid = pid;
	r.ppid = r.ptgid = (uint32_t)getpid(), r.ts_ns = 5;
	proc_track_rec(&pt, &r);
	r.kind = CNP_EXEC, r.ts_ns = 7;
	proc_track_rec(&pt, &r);
}

/* Two live processes with fanotify chains: the one whose exit is noted
 * ahead in the batch is not looked up in /proc (argv_lost although it
 * still lives: the proof that /proc was not read), the other is. */
static void exit_ahead_skips_proc(void **state)
{
	static struct proc_fan fan;
	struct cnproc_rec x = { .kind = CNP_EXIT };
	pid_t a = spawn_sleeper(), b = spawn_sleeper();
	struct event *e;
	int st;

	(void)state;
	assert_true(a > 0 && b > 0);
	fan.fd = -1;
	exejoin_init(&fan.join);
	pt.fan = &fan;
	chain_of_sh(&fan, (uint32_t)a);
	chain_of_sh(&fan, (uint32_t)b);
	x.pid = x.tgid = (uint32_t)b;
	proc_track_peek(&pt, &x);		/* b's exit later in the batch */
	forked_and_execd((uint32_t)a);
	forked_and_execd((uint32_t)b);
	e = find(PS_PROCESS_EXEC, (uint32_t)a);
	assert_non_null(e);
	assert_memory_equal(e->exe.s, "/bin/sh", 7);	/* from the chain */
	assert_true(e->argc == 7 && e->cwd.len > 0);	/* and from /proc */
	e = find(PS_PROCESS_EXEC, (uint32_t)b);
	assert_non_null(e);
	assert_memory_equal(e->exe.s, "/bin/sh", 7);
	assert_int_equal(e->argv_lost, 1);
	assert_false(e->has & (EVK_BIT(EVK_CWD) | EVK_BIT(EVK_ARGV)));
	proc_track_rec(&pt, &x);		/* its exit: no longer ahead */
	assert_int_equal(pt.ahead.n, 0);
	proc_track_peek_end(&pt);
	pt.fan = NULL;
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, &st, 0);
	waitpid(b, &st, 0);
}

static void strict_has_no_exec(void **state)
{
	struct cnproc_rec r = { .kind = CNP_EXEC, .pid = 1, .tgid = 1 };

	(void)state;
	pt.strict = 1;
	proc_track_rec(&pt, &r);
	assert_int_equal(ngot, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(exec_enriched_then_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(gone_before_enrichment, setup, teardown),
		cmocka_unit_test_setup_teardown(rescan_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(exit_ahead_skips_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(strict_has_no_exec, setup, teardown),
	};
	return cmocka_run_group_tests_name("proc_track", tests, NULL, NULL);
}
