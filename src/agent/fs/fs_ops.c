/*
 * fs_ops.c: the file probe in the agent: the one inotify fd it owns,
 * watching every --watch path with the configured mask.  A path that
 * cannot be watched fails the probe (on_failure decides what that means
 * for the cell).  The fd is a coalesced one of the loop (lib/coalesce.h).
 * Records become events, and IN_Q_OVERFLOW the inotify_overflow loss, in
 * fs_track.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include "agent/probe.h"
#include "fs_track.h"
#include "lib/fmt.h"
#include "lib/scan.h"
#include "lib/sys.h"

static struct {
	struct probe *p;
	struct fs_track ft;
	struct loop_cfd fd;
} F;	/* no initializer: the watch table stays in .bss */

static struct coalesce_drain on_readable(void *ctx)
{
	(void)ctx;
	return fs_track_read(&F.ft);
}

/* The kernel's inotify queue, in records (max_queued_events). */
static uint64_t queue_capacity(void)
{
	char buf[32];
	ssize_t n = sys_read_file("/proc/sys/fs/inotify/max_queued_events",
				  buf, sizeof(buf));
	uint64_t v;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n <= 0 || scan_dec_all(buf, (size_t)n, UINT32_MAX, &v) < 0)
		return FS_QUEUE_DEFAULT;
	return v;
}

static int fs_arm(struct probe *p, const struct config *c, struct loop *l)
{
	unsigned i;
	int fd;

	F.p = p;
	F.fd.fd = -1;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return fmt_str(p->why, sizeof(p->why), "inotify: %s",
				strerror(errno)), -1;
	fs_track_init(&F.ft, fd, c->watch_mask, p);
	for (i = 0; i < c->nwatch; i++)
		if (fs_track_add(&F.ft, c->watch[i]) < 0) {
			fmt_str(p->why, sizeof(p->why), "%.60s: %s",
				 c->watch[i], strerror(errno));
			goto out_close;
		}
	F.fd.fd = fd;
	F.fd.drain = on_readable;
	F.fd.cfg.max_ns = c->coalesce_ms * NS_PER_MS;
	F.fd.cfg.capacity = queue_capacity();
	if (loop_add_coalesced(l, &F.fd) < 0) {
		fmt_str(p->why, sizeof(p->why), "epoll: %s", strerror(errno));
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
	loop_del_coalesced(&F.fd);	/* what a window held back */
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
