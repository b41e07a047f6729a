/*
 * fs_ops.c: the file probe in the agent: the one inotify fd it owns,
 * watching every --watch path with the configured mask.  A path that
 * cannot be watched fails the probe (on_failure decides what that means
 * for the cell).  Records become events, and IN_Q_OVERFLOW the
 * inotify_overflow loss, in fs_track.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include "agent/probe.h"
#include "fs_track.h"

static struct {
	struct probe *p;
	struct loop *l;
	struct fs_track ft;
	struct loop_fd fd;
} F;	/* no initializer: the watch table stays in .bss */

static void on_readable(void *ctx, uint32_t events)
{
	(void)ctx, (void)events;
	fs_track_read(&F.ft);
}

static int fs_arm(struct probe *p, const struct config *c, struct loop *l)
{
	unsigned i;
	int fd;

	F.p = p, F.l = l;
	F.fd.fd = -1;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return snprintf(p->why, sizeof(p->why), "inotify: %s",
				strerror(errno)), -1;
	fs_track_init(&F.ft, fd, c->watch_mask, p);
	for (i = 0; i < c->nwatch; i++)
		if (fs_track_add(&F.ft, c->watch[i]) < 0) {
			snprintf(p->why, sizeof(p->why), "%.60s: %s",
				 c->watch[i], strerror(errno));
			goto out_close;
		}
	F.fd.fd = fd;
	F.fd.fn = on_readable;
	if (loop_add(l, &F.fd, EPOLLIN) < 0) {
		snprintf(p->why, sizeof(p->why), "epoll: %s", strerror(errno));
		goto out_close;
	}
	return 0;
out_close:
	close(fd);
	F.fd.fd = -1;
	return -1;
}

static void fs_stop(struct probe *p)
{
	(void)p;
	if (F.fd.fd < 0)
		return;
	loop_del(F.l, &F.fd);
	close(F.fd.fd);
	F.fd.fd = -1;
}

/* Nothing declared to watch: nothing to arm. */
static int fs_wanted(const struct config *c, int mode)
{
	return mode != 0 && c->nwatch > 0;
}

const struct probe_ops fs_ops = {
	.name = "fs",
	.modes = { "off", "on" },
	.default_mode = 1,
	.wanted = fs_wanted,
	.arm = fs_arm,
	.stop = fs_stop,
};
