/*
 * wfault.c: an LD_PRELOAD shim that makes write(2) and fsync(2) on one
 * file fail on a plan, for the receiver's output tests
 * (tests/integ/test_host_durable.py).  Built by `make check` as
 * build/preload/wfault.so; never installed.
 *
 *   WFAULT_PATH   the file whose writes are planned (as /proc/self/fd
 *                 shows it); every other fd is left alone
 *   WFAULT_FD     or: the fd number whose writes are planned (a pipe)
 *   WFAULT_PLAN   steps for write(2), in order, comma-separated:
 *                   ok*N      N writes go through
 *                   enospc*N  N writes fail with ENOSPC, writing nothing
 *                   eio*N     N writes fail with EIO
 *                   short*N   N writes write half of what they were given
 *                             (at least 1 byte) and say so, no error
 *                   enospc@MS every write fails with ENOSPC for MS ms
 *                             from the first one
 *                 after the last step every write goes through
 *   WFAULT_FSYNC  the same steps (ok, eio) for fsync(2)
 *   WFAULT_LOG    a file that gets one line per fault made:
 *                 "write ENOSPC", "write EIO", "write short", "fsync EIO"
 *
 * It does not fake a disk: a failed write writes nothing, as a full disk
 * does for a write that finds no free block.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct plan {
	const char *env;
	const char *p;			/* the current step in the plan text */
	unsigned long done;		/* calls in it so far */
	struct timespec t0;		/* a timed step: its first call */
};

static struct plan wplan = { "WFAULT_PLAN", NULL, 0, { 0, 0 } };
static struct plan fplan = { "WFAULT_FSYNC", NULL, 0, { 0, 0 } };

/* 1 when fd is the planned file. */
static int planned(int fd)
{
	const char *want = getenv("WFAULT_PATH"), *num = getenv("WFAULT_FD");
	char link[64], path[4096];
	ssize_t n;

	if (num)
		return fd == atoi(num);
	if (!want)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	return strcmp(path, want) == 0;
}

/* One line to WFAULT_LOG (the real write, never planned). */
static void note(ssize_t (*real)(int, const void *, size_t), const char *what)
{
	const char *path = getenv("WFAULT_LOG");
	char line[64];
	int fd, n;

	if (!path || (fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0)
		return;
	n = snprintf(line, sizeof(line), "%s\n", what);
	(void)real(fd, line, (size_t)n);
	close(fd);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The kind of the current step for one more call ("ok" past the end). */
static const char *step(struct plan *pl, char *kind, size_t cap)
{
	const char *sep, *end;
	unsigned long n;
	size_t k;

	if (!pl->p)
		pl->p = getenv(pl->env) ? getenv(pl->env) : "";
	while (*pl->p) {
		end = strchr(pl->p, ',');
		end = end ? end : pl->p + strlen(pl->p);
		sep = strpbrk(pl->p, "*@");
		if (!sep || sep > end)
			break;
		k = (size_t)(sep - pl->p) < cap - 1 ? (size_t)(sep - pl->p) : cap - 1;
		memcpy(kind, pl->p, k);
		kind[k] = 0;
		n = strtoul(sep + 1, NULL, 10);
		if (*sep == '@' && pl->done == 0)
			clock_gettime(CLOCK_MONOTONIC, &pl->t0);
		if (*sep == '*' ? pl->done < n : pl->done == 0 ||
		    ms_since(&pl->t0) < (long)n) {
			pl->done++;
			return kind;
		}
		pl->p = *end ? end + 1 : end;
		pl->done = 0;
	}
	return "ok";
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	char kind[16];
	const char *k;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (n == 0 || !planned(fd))
		return real(fd, buf, n);
	k = step(&wplan, kind, sizeof(kind));
	if (!strcmp(k, "enospc") || !strcmp(k, "eio")) {
		note(real, k[1] == 'n' ? "write ENOSPC" : "write EIO");
		errno = k[1] == 'n' ? ENOSPC : EIO;
		return -1;
	}
	if (!strcmp(k, "short")) {
		note(real, "write short");
		return real(fd, buf, n / 2 ? n / 2 : 1);
	}
	return real(fd, buf, n);
}

int fsync(int fd)
{
	static int (*real)(int);
	static ssize_t (*wr)(int, const void *, size_t);
	char kind[16];

	if (!real) {
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
		wr = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	}
	if (planned(fd) && !strcmp(step(&fplan, kind, sizeof(kind)), "eio")) {
		note(wr, "fsync EIO");
		errno = EIO;
		return -1;
	}
	return real(fd);
}
