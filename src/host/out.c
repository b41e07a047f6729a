/*
 * out.c: the buffered, signed line writer of out.h, which holds every line
 * until it is written whole (and synced) and never leaves a partial line
 * in a regular file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "out.h"

/* 1 when fd is a regular file (it can be cut back and synced). */
static int is_regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

void out_init(struct out *o, int fd, char *buf, size_t cap,
	      const struct sign_key *key)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->regular = is_regular(fd);
	o->buf = buf;
	o->cap = cap;
	o->key = key;
}

/* fsync the folder that holds path, so a file just created survives. */
static int sync_dir(const char *path)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int out_open(const char *path, int sync)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd >= 0 && sync && is_regular(fd) && sync_dir(path) < 0)
		log_warn("%s: syncing its folder", path);
	return fd;
}

int out_due(const struct out *o, uint64_t now)
{
	return o->len > 0 && (!o->stalled || now >= o->retry_at);
}

int out_begin(struct out *o, struct json_buf *j)
{
	while (o->cap - o->len < HOST_LINE_MAX) {
		if (out_due(o, clock_mono_ns()) && out_flush(o) == 0)
			break;
		if (o->cap - o->len >= HOST_LINE_MAX)
			break;		/* some lines went: room enough */
		if (!o->wait || o->wait(o->wait_ctx, o->retry_at) < 0) {
			o->lost++;
			LOG_RL(log_warnx, "output: a line lost: %u lines held "
			       "and the output still fails", o->held);
			return -1;
		}
	}
	json_init(j, o->buf + o->len, HOST_LINE_MAX - SIGN_SUFFIX_MAX - 1);
	return 0;
}

int out_commit(struct out *o, struct json_buf *j)
{
	size_t n = j->len;

	if (j->err || j->depth != 0) {
		o->overflow++;
		LOG_RL(log_warnx, "a line did not fit %d bytes: dropped",
		       HOST_LINE_MAX);
		return -1;
	}
	if (o->key && (n = sign_line(o->key, j->p, n,
				     HOST_LINE_MAX - 1)) == 0) {
		o->overflow++;
		return -1;
	}
	j->p[n] = '\n';
	o->len += n + 1;
	o->made += n + 1;
	o->held++;
	return 0;
}

/* write(2) all of p[0..n); returns the bytes written before any error. */
static size_t write_some(int fd, const char *p, size_t n, int *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t done = 0;
	ssize_t w;

	*err = 0;
	while (done < n) {
		w = write(fd, p + done, n - done);
		if (w > 0) {
			done += (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			(void)poll(&pfd, 1, -1);	/* a non-blocking fd */
		} else if (w < 0 && errno != EINTR) {
			*err = errno;
			break;
		} else if (w == 0) {
			*err = EIO;		/* never for n > 0; don't spin */
			break;
		}
	}
	return done;
}

/* The first n bytes of buf are done: they leave it. */
static void release(struct out *o, size_t n, unsigned lines)
{
	memmove(o->buf, o->buf + n, o->len - n);
	o->len -= n;
	o->wrote -= n;
	o->held -= lines;
	o->done += n;
	o->lines += lines;
}

/* The whole lines of buf[0..wrote) are done (the partial one is not). */
static void release_whole(struct out *o)
{
	const char *p = o->buf, *end = o->buf + o->wrote, *nl;
	unsigned lines = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		lines++;
		p = nl + 1;
	}
	release(o, (size_t)(p - o->buf), lines);
}

/* Take the last n bytes written back out of the regular file. */
static int cut_back(struct out *o, size_t n)
{
	off_t end = lseek(o->fd, 0, SEEK_END);

	if (end < (off_t)n || ftruncate(o->fd, end - (off_t)n) < 0) {
		LOG_RL(log_warn, "output: cannot cut the file back %zu bytes", n);
		return -1;
	}
	o->truncated++;
	return 0;
}

/* An attempt failed with err after writing up to o->wrote (was before). */
static void failed(struct out *o, int err, size_t was)
{
	size_t keep = o->wrote;
	uint64_t now = clock_mono_ns();
	int partial;

	o->errors++;
	o->last_errno = err;
	if (o->fsync)
		keep = 0;		/* nothing unsynced counts */
	else
		while (keep > 0 && o->buf[keep - 1] != '\n')
			keep--;		/* whole lines written count */
	if (o->wrote > keep && o->regular && cut_back(o, o->wrote - keep) == 0)
		o->wrote = keep;
	partial = o->wrote > was && o->buf[o->wrote - 1] != '\n';
	if (!o->fsync)
		release_whole(o);
	if (partial) {
		o->cut++;
		LOG_RL(log_warnx, "output: a line was cut in the output; "
		       "its rest follows when the output takes it");
	}
	o->backoff_ms = o->backoff_ms == 0 ? HOST_OUT_RETRY_MIN_MS :
		o->backoff_ms * 2 > HOST_OUT_RETRY_MAX_MS ?
		HOST_OUT_RETRY_MAX_MS : o->backoff_ms * 2;
	o->retry_at = now + o->backoff_ms * NS_PER_MS;
	o->stalled = 1;
	errno = err;
	LOG_RL(log_warn, "output: %u event lines held, trying again in %llu ms",
	       o->held, (unsigned long long)o->backoff_ms);
}

int out_flush(struct out *o)
{
	size_t was = o->wrote;
	int err = 0;

	if (o->len == 0)
		return 0;
	o->wrote += write_some(o->fd, o->buf + o->wrote, o->len - o->wrote,
			       &err);
	o->bytes += o->wrote - was;
	if (!err && o->fsync) {
		if (fsync(o->fd) < 0)
			err = errno;
		else
			o->syncs++;
	}
	if (err) {
		failed(o, err, was);
		return -1;
	}
	release(o, o->len, o->held);
	if (o->stalled)
		o->recovered++;
	o->stalled = 0;
	o->backoff_ms = 0;
	return 0;
}

/* Leaving an fd with buf[0..wrote) in it: its whole lines count as done;
 * a partial one stays there (counted) and starts again on the new fd. */
static void leave_written(struct out *o)
{
	if (o->wrote == 0)
		return;
	if (o->fsync && fsync(o->fd) == 0)
		o->syncs++;
	release_whole(o);
	if (o->wrote > 0) {
		log_warnx("output: a cut line stays in the old file");
		o->wrote = 0;
	}
}

int out_reopen(struct out *o)
{
	int fd;

	if (!o->path)
		return 1;
	out_flush(o);
	if ((fd = out_open(o->path, o->fsync)) < 0) {
		log_warn("SIGHUP: %s: still writing the old file", o->path);
		return -1;
	}
	leave_written(o);
	close(o->fd);
	o->fd = fd;
	o->regular = is_regular(fd);
	o->retry_at = 0;		/* held lines: try the new file now */
	o->backoff_ms = 0;
	o->reopens++;
	return 0;
}

void out_close(struct out *o)
{
	if (o->len > 0)
		out_flush(o);
	if (o->held == 0)
		return;
	o->lost += o->held;
	log_warnx("output: %u event lines held were never written", o->held);
	if (o->wrote > 0 && o->buf[o->wrote - 1] != '\n')
		log_warnx("output: the last line in the output is cut");
	o->held = 0;
	o->len = o->wrote = 0;
}
