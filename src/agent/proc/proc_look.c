/*
 * proc_look.c: /proc/PID at exec (proc_look.h).  Per exec: openat,
 * fstat, fstatat of exe when checked, openat+read+close of comm and of
 * cmdline (a second read only past PROC_ARGV_RAW), readlinkat of cwd,
 * close.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/caps.h"
#include "lib/fmt.h"
#include "proc_look.h"
#include "wire/argv.h"

/* One read of a small file relative to dfd; the bytes, or -1. */
static ssize_t read_small(int dfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return n;
}

/* Count the NULs of s[0..n) and note its last byte. */
static uint64_t nuls(const uint8_t *s, size_t n, uint8_t *last)
{
	uint64_t c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += s[i] == 0;
	if (n)
		*last = s[n - 1];
	return c;
}

/* cmdline: the first PROC_ARGV_RAW bytes escaped into argv, the rest
 * only counted, so argc is exact even when argv is cut.  argc = NULs in
 * the whole file, plus one if it does not end in NUL (a process that
 * rewrote its cmdline).  Empty (the memory is gone): 0, nothing set. */
static int read_argv(int dfd, struct event *ev)
{
	static uint8_t raw[PROC_ARGV_RAW], more[4096];
	static char text[WIRE_TEXT_MAX];
	int fd = openat(dfd, "cmdline", O_RDONLY | O_CLOEXEC);
	size_t have = 0, used, t;
	uint64_t extra = 0, argc;
	uint8_t last = 0;
	ssize_t n = 0;

	if (fd < 0)
		return 0;
	/* the kernel fills a read of cmdline whole while there is more */
	n = read(fd, raw, sizeof(raw));
	have = n > 0 ? (size_t)n : 0;
	argc = nuls(raw, have, &last);
	while (have == sizeof(raw) && (n = read(fd, more, sizeof(more))) > 0) {
		extra += (uint64_t)n;
		argc += nuls(more, (size_t)n, &last);
	}
	close(fd);
	if (have == 0)
		return 0;
	if (extra == 0 && last == 0)
		have--;			/* the final NUL ends the last argument */
	t = argv_escape(text, sizeof(text), raw, have, &used);
	event_set_text(ev, EVK_ARGV, text, t);
	event_set_uint(ev, EVK_ARGC, argc + (last != 0));
	if (extra > 0 || used < have)
		event_set_uint(ev, EVK_TRUNCATED, 1);
	return 1;
}

/* readlinkat(dfd, name) into key k; 1 when set. */
static int read_link(int dfd, const char *name, struct event *ev, int k)
{
	static char buf[PROC_EXE_MAX];
	ssize_t n = readlinkat(dfd, name, buf, sizeof(buf));

	if (n <= 0)
		return 0;
	event_set_bytes(ev, k, buf, (size_t)n);
	return 1;
}

unsigned proc_look(int procfd, uint32_t pid, unsigned what, uint64_t img_dev,
		   uint64_t img_ino, struct event *ev, uint32_t *uid)
{
	char name[16], buf[64];
	unsigned got = 0;
	struct stat st;
	ssize_t n;
	int dfd;

	fmt_str(name, sizeof(name), "%u", pid);
	dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	if (img_ino && fstatat(dfd, "exe", &st, 0) < 0)
		goto out;		/* gone (a zombie has no exe) */
	if (img_ino && ((uint64_t)st.st_ino != img_ino ||
			(uint64_t)st.st_dev != img_dev)) {
		got = LOOK_OTHER;	/* another program by now, or not ours */
		goto out;
	}
	if ((what & LOOK_UID) && fstat(dfd, &st) == 0)
		*uid = st.st_uid, got |= LOOK_UID;
	if ((what & LOOK_COMM) &&
	    (n = read_small(dfd, "comm", buf, sizeof(buf))) > 0) {
		event_set_bytes(ev, EVK_GUEST_COMM, buf,
				(size_t)(buf[n - 1] == '\n' ? n - 1 : n));
		got |= LOOK_COMM;
	}
	if ((what & LOOK_EXE) && read_link(dfd, "exe", ev, EVK_EXE))
		got |= LOOK_EXE;
	if ((what & LOOK_ARGV) && read_argv(dfd, ev))
		got |= LOOK_ARGV;
	if ((what & LOOK_CWD) && read_link(dfd, "cwd", ev, EVK_CWD))
		got |= LOOK_CWD;
out:
	close(dfd);
	return got;
}
