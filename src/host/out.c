/*
 * out.c: the buffered, signed, error-counting line writer of out.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include "lib/caps.h"
#include "lib/log.h"
#include "out.h"

void out_init(struct out *o, int fd, char *buf, size_t cap,
	      const struct sign_key *key)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->buf = buf;
	o->cap = cap;
	o->key = key;
}

void out_begin(struct out *o, struct json_buf *j)
{
	if (o->cap - o->len < HOST_LINE_MAX)
		out_flush(o);
	json_init(j, o->buf + o->len, HOST_LINE_MAX - SIGN_SUFFIX_MAX - 1);
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
	o->pending++;
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
		}
	}
	return done;
}

/* Count what a failed flush lost, and say so. */
static void lost(struct out *o, size_t done, int err)
{
	unsigned whole = 0;
	size_t i;

	for (i = 0; i < done; i++)
		whole += o->buf[i] == '\n';
	o->lines += whole;
	o->lost += o->pending - whole;
	o->errors++;
	o->failed = 1;
	o->last_errno = err;
	o->midline = done > 0 && o->buf[done - 1] != '\n' ? 1 : o->midline;
	errno = err;
	LOG_RL(log_warn, "output: %u event lines lost (%llu so far)",
	       o->pending - whole, (unsigned long long)o->lost);
}

int out_flush(struct out *o)
{
	size_t done = 0;
	int err = 0, rc;

	if (o->len > 0 && o->midline && write_some(o->fd, "\n", 1, &err) == 1)
		o->midline = 0;
	if (o->len > 0 && !err) {
		done = write_some(o->fd, o->buf, o->len, &err);
		o->bytes += done;
	}
	if (err)
		lost(o, done, err);
	else
		o->lines += o->pending;
	rc = o->failed ? -1 : 0;
	o->len = 0;
	o->pending = 0;
	o->failed = 0;
	return rc;
}
