/*
 * test_out.c: the receiver's line writer (src/host/out.c) on real fds:
 * lines are held until written (/dev/full), a write cut by the file size
 * limit (RLIMIT_FSIZE: a short write, then EFBIG, from the kernel) leaves
 * no partial line and is written again, --fsync keeps nothing unsynced,
 * the wait hook gives up or finds room, SIGHUP's reopen follows a rename.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "host/out.h"
#include "lib/caps.h"

static char buf[HOST_OUT_BUF];
static struct out o;
static char dir[] = "/tmp/test_out.XXXXXX";
static char path[64];

/* One line of n bytes with its newline, made into the buffer. */
static void line(unsigned id, size_t n)
{
	struct json_buf j;
	char s[32];
	int k;

	assert_int_equal(out_begin(&o, &j), 0);
	k = snprintf(s, sizeof(s), "{\"n\":%u,\"p\":\"", id);
	json_raw(&j, s, (size_t)k);
	while (j.len < n - 3)
		json_raw(&j, "x", 1);
	json_raw(&j, "\"}", 2);
	assert_int_equal(out_commit(&o, &j), 0);
}

/* The file at path, whole; *n gets its size. */
static char *slurp(const char *p, size_t *n)
{
	static char data[1 << 20];
	int fd = open(p, O_RDONLY);
	ssize_t r;

	assert_true(fd >= 0);
	r = read(fd, data, sizeof(data) - 1);
	assert_true(r >= 0);
	close(fd);
	data[r] = 0;
	*n = (size_t)r;
	return data;
}

/* Lines in s[0..n) that are whole: "{"n":ID,...}\n", IDs in order from 0;
 * fails on a partial or repeated line.  Returns how many. */
static unsigned whole_lines(const char *s, size_t n)
{
	const char *p = s, *nl;
	unsigned id = 0, got;

	while (p < s + n) {
		nl = memchr(p, '\n', (size_t)(s + n - p));
		assert_non_null(nl);			/* no partial line */
		assert_int_equal(sscanf(p, "{\"n\":%u,", &got), 1);
		assert_int_equal(got, id);
		assert_true(nl[-1] == '}');
		id++;
		p = nl + 1;
	}
	return id;
}

/* The whole lines of the file at p (see whole_lines). */
static unsigned lines_in(const char *p)
{
	size_t n;
	const char *s = slurp(p, &n);

	return whole_lines(s, n);
}

static int file_fd(void)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);

	assert_true(fd >= 0);
	return fd;
}

static void limit(rlim_t n)
{
	struct rlimit rl = { n, RLIM_INFINITY };

	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	unlink(path);
	limit(RLIM_INFINITY);
	return 0;
}

/* A full device: every line is held, counted, and written once the fd
 * takes them; done only moves then. */
static void held_until_written(void **state)
{
	int full = open("/dev/full", O_WRONLY), fd;

	(void)state;
	assert_true(full >= 0);
	out_init(&o, full, buf, sizeof(buf), NULL);
	line(0, 100);
	line(1, 200);
	line(2, 300);
	assert_int_equal(o.made, 600);
	assert_int_equal(out_flush(&o), -1);
	assert_int_equal(o.held, 3);
	assert_int_equal(o.done, 0);
	assert_int_equal(o.errors, 1);
	assert_int_equal(o.last_errno, ENOSPC);
	assert_true(o.stalled);
	assert_false(out_due(&o, o.retry_at - 1));	/* backing off */
	assert_true(out_due(&o, o.retry_at));
	assert_int_equal(out_flush(&o), -1);
	assert_int_equal(o.errors, 2);
	fd = file_fd();
	dup2(fd, full);				/* the disk has room again */
	close(fd);
	o.regular = 1;
	assert_int_equal(out_flush(&o), 0);
	assert_int_equal(o.done, 600);
	assert_int_equal(o.lines, 3);
	assert_int_equal(o.held, 0);
	assert_int_equal(o.recovered, 1);
	assert_false(o.stalled);
	assert_int_equal(lines_in(path), 3);
	close(full);
}

/* The file size limit cuts a write in the middle of a line (the kernel
 * writes up to the limit, then EFBIG): the file is cut back to its last
 * whole line, and the rest is written again when there is room. */
static void cut_back_to_last_line(void **state)
{
	size_t n;

	(void)state;
	out_init(&o, file_fd(), buf, sizeof(buf), NULL);
	line(0, 1000);
	line(1, 1000);
	line(2, 1000);
	limit(1500);
	assert_int_equal(out_flush(&o), -1);
	assert_int_equal(o.last_errno, EFBIG);
	assert_int_equal(o.truncated, 1);
	assert_int_equal(o.cut, 0);
	slurp(path, &n);
	assert_int_equal(n, 1000);		/* line 0, whole, stays */
	assert_int_equal(o.done, 1000);
	assert_int_equal(o.held, 2);
	assert_int_equal(out_flush(&o), -1);	/* still no room */
	slurp(path, &n);
	assert_int_equal(n, 1000);
	limit(RLIM_INFINITY);
	assert_int_equal(out_flush(&o), 0);
	assert_int_equal(lines_in(path), 3);
	assert_int_equal(o.done, 3000);
	close(o.fd);
}

/* --fsync: a failed attempt takes back everything it wrote, whole lines
 * included (none was synced), and writes it all again. */
static void fsync_keeps_nothing_unsynced(void **state)
{
	size_t n;

	(void)state;
	out_init(&o, file_fd(), buf, sizeof(buf), NULL);
	o.fsync = 1;
	line(0, 1000);
	assert_int_equal(out_flush(&o), 0);
	assert_int_equal(o.syncs, 1);
	line(1, 1000);
	line(2, 1000);
	limit(2500);
	assert_int_equal(out_flush(&o), -1);
	slurp(path, &n);
	assert_int_equal(n, 1000);		/* only the synced line */
	assert_int_equal(o.done, 1000);
	assert_int_equal(o.held, 2);
	limit(RLIM_INFINITY);
	assert_int_equal(out_flush(&o), 0);
	assert_int_equal(o.syncs, 2);
	assert_int_equal(lines_in(path), 3);
	close(o.fd);
}

static int gives_up(void *ctx, uint64_t until)
{
	(void)until;
	++*(int *)ctx;
	return -1;
}

/* Waits as the receiver's hook does; the second time, the room is back. */
static int fixes(void *ctx, uint64_t until)
{
	struct timespec ts = { (time_t)(until / 1000000000u),
			       (long)(until % 1000000000u) };

	if (++*(int *)ctx == 2)
		limit(RLIM_INFINITY);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	return 0;
}

/* A full buffer on a failing output: the wait hook is asked; when it gives
 * up the line is lost (counted), when the output comes back it fits. */
static void wait_hook(void **state)
{
	struct json_buf j;
	unsigned i;
	int calls = 0;

	(void)state;
	out_init(&o, file_fd(), buf, sizeof(buf), NULL);
	o.wait = gives_up;
	o.wait_ctx = &calls;
	limit(10);
	for (i = 0; o.cap - o.len >= HOST_LINE_MAX; i++)
		line(i, 30000);			/* fits: nothing written yet */
	assert_int_equal(calls, 0);
	assert_int_equal(out_begin(&o, &j), -1);	/* the flush fails */
	assert_int_equal(calls, 1);
	assert_int_equal(o.lost, 1);
	calls = 0;
	o.wait = fixes;
	o.retry_at = 0;
	line(i, 100);
	assert_int_equal(calls, 2);
	assert_int_equal(o.lost, 1);
	assert_int_equal(out_flush(&o), 0);
	assert_int_equal(lines_in(path), i + 1);
	close(o.fd);
}

/* SIGHUP: the file was renamed; the next lines go to a new one at path,
 * none lost.  Standard output is never reopened. */
static void reopen_after_rename(void **state)
{
	char old[80];
	size_t n;

	(void)state;
	snprintf(old, sizeof(old), "%s.1", path);
	out_init(&o, out_open(path, 0), buf, sizeof(buf), NULL);
	o.path = path;
	line(0, 100);
	assert_int_equal(out_flush(&o), 0);
	assert_int_equal(rename(path, old), 0);
	line(1, 100);				/* made before the signal */
	assert_int_equal(out_reopen(&o), 0);
	assert_int_equal(o.reopens, 1);
	line(2, 100);
	assert_int_equal(out_flush(&o), 0);
	slurp(old, &n);
	assert_int_equal(n, 200);		/* 0, and 1 flushed first */
	slurp(path, &n);
	assert_int_equal(n, 100);
	close(o.fd);
	unlink(old);
	out_init(&o, STDOUT_FILENO, buf, sizeof(buf), NULL);
	assert_int_equal(out_reopen(&o), 1);
	assert_int_equal(o.fd, STDOUT_FILENO);
}

/* The end: lines still held count as lost. */
static void close_counts_held(void **state)
{
	int full = open("/dev/full", O_WRONLY);

	(void)state;
	out_init(&o, full, buf, sizeof(buf), NULL);
	line(0, 100);
	line(1, 100);
	out_close(&o);
	assert_int_equal(o.lost, 2);
	assert_int_equal(o.held, 0);
	assert_int_equal(o.done, 0);
	close(full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(held_until_written, setup),
		cmocka_unit_test_setup(cut_back_to_last_line, setup),
		cmocka_unit_test_setup(fsync_keeps_nothing_unsynced, setup),
		cmocka_unit_test_setup(wait_hook, setup),
		cmocka_unit_test_setup(reopen_after_rename, setup),
		cmocka_unit_test_setup(close_counts_held, setup),
	};
	int rc;

	signal(SIGXFSZ, SIG_IGN);
	if (!mkdtemp(dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(path, sizeof(path), "%s/out.jsonl", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}
