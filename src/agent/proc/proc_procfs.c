/*
 * proc_procfs.c: the /proc/PID/stat parser and reader, and the /proc
 * directory walk.
 *
 * The parsers take exactly the bytes a read returned (no NUL needed) and
 * never read past them.  The readers go through an open /proc fd so the
 * probe works with whatever /proc its namespace mounted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "lib/fmt.h"
#include "lib/scan.h"
#include "lib/sys.h"
#include "proc_procfs.h"

/* The decimal at s[*i] (at most max), advancing *i past it; -1 if none. */
static int parse_dec(const char *s, size_t n, size_t *i, uint64_t max,
		     uint64_t *v)
{
	size_t k = scan_dec(s + *i, n - *i, max, v);

	*i += k;
	return k ? 0 : -1;
}

/* Skip `count` space-separated fields starting at s[*i]. */
static void skip_fields(const char *s, size_t n, size_t *i, int count)
{
	while (count-- > 0) {
		while (*i < n && s[*i] == ' ')
			(*i)++;
		while (*i < n && s[*i] != ' ')
			(*i)++;
	}
	while (*i < n && s[*i] == ' ')
		(*i)++;
}

int procfs_parse_stat(const char *s, size_t n, struct procfs_stat *st)
{
	const char *open = memchr(s, '(', n), *close = NULL;
	size_t i, k;
	uint64_t v;

	for (k = n; k > 0; k--)
		if (s[k - 1] == ')') {
			close = s + k - 1;
			break;
		}
	if (!open || !close || close < open)
		return -1;
	st->comm_len = (size_t)(close - open - 1);
	if (st->comm_len > sizeof(st->comm))
		st->comm_len = sizeof(st->comm);
	memcpy(st->comm, open + 1, st->comm_len);
	i = (size_t)(close - s) + 1;
	skip_fields(s, n, &i, 1);		/* state */
	if (parse_dec(s, n, &i, UINT32_MAX, &v) < 0)
		return -1;
	st->ppid = (uint32_t)v;
	skip_fields(s, n, &i, 4);		/* fields 5..8 */
	if (parse_dec(s, n, &i, UINT32_MAX, &v) < 0)
		return -1;
	st->flags = (uint32_t)v;
	skip_fields(s, n, &i, 12);		/* fields 10..21 */
	return parse_dec(s, n, &i, UINT64_MAX, &st->start_ticks);
}

int procfs_read_stat(int procfd, uint32_t pid, struct procfs_stat *st)
{
	char path[32], buf[1024];
	ssize_t n;

	fmt_str(path, sizeof(path), "%u/stat", pid);
	n = sys_read_fileat(procfd, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	return procfs_parse_stat(buf, (size_t)n, st);
}

/* A /proc entry name that is a pid: digits only, no leading zero. */
static int pid_name(const char *s, uint32_t *pid)
{
	uint64_t v;

	if (*s < '1' || *s > '9' ||
	    scan_dec_all(s, strlen(s), UINT32_MAX, &v) < 0)
		return 0;
	*pid = (uint32_t)v;
	return 1;
}

long procfs_scan(int procfd, char *buf, size_t cap,
		 void (*fn)(void *ctx, uint32_t pid), void *ctx)
{
	long seen = 0, n, off;
	uint32_t pid;
	int fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = syscall(SYS_getdents64, fd, buf, cap)) > 0) {
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			if (pid_name(d->d_name, &pid)) {
				fn(ctx, pid);
				seen++;
			}
			off += d->d_reclen;
		}
	}
	close(fd);
	return n < 0 ? -1 : seen;
}
