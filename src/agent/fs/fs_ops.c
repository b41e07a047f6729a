/*
 * fs_ops.c: the file probe in the agent.  Every --watch path goes to the
 * fanotify group (fs_fan.h: events that name the acting process) when
 * the group opens and the path can be marked, else to the inotify fd
 * (fs_track.h: events that carry the agent's pid, as CellOS's do).  The
 * group is not opened under --wire strict (v1.0 has fs.inotify_fired
 * only) nor with --probe fs=inotify.  A path neither can watch fails the
 * probe (on_failure decides what that means for the cell).  Each fd is a
 * coalesced one of the loop (lib/coalesce.h).  hello's `probes` says
 * which mechanism the probe runs on, and `watches` which each path got
 * and why a path fell back.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include "agent/probe.h"
#include "fs_fan.h"
#include "fs_track.h"
#include "lib/fmt.h"
#include "lib/scan.h"
#include "lib/sys.h"
#include "wire/frame.h"

enum { FS_MODE_OFF, FS_MODE_ON, FS_MODE_INOTIFY };
enum { ON_NONE, ON_FANOTIFY, ON_INOTIFY };

#define INOTIFY_QUEUE "/proc/sys/fs/inotify/max_queued_events"
#define FANOTIFY_QUEUE "/proc/sys/fs/fanotify/max_queued_events"

/* Why one path is on inotify: short, it shares a hello map value. */
#define WHY_MAX 48

static struct {
	struct probe *p;
	const struct config *c;
	struct fs_track ft;
	struct fs_fan fan;
	struct loop_cfd ino, fa;
	uint8_t on[FS_WATCH_MAX];		/* ON_* per watch */
	char why[FS_WATCH_MAX][WHY_MAX];	/* "" or why it is on inotify */
} F;	/* no initializer: the watch tables stay in .bss */

static struct coalesce_drain ino_readable(void *ctx)
{
	(void)ctx;
	return fs_track_read(&F.ft);
}

static struct coalesce_drain fan_readable(void *ctx)
{
	(void)ctx;
	return fs_fan_read(&F.fan);
}

/* A kernel queue's length in records (fs.inotify or fs.fanotify's
 * max_queued_events; fanotify's has no file before 5.13, where it is
 * fixed at the same default). */
static uint64_t queue_len(const char *path)
{
	char buf[32];
	ssize_t n = sys_read_file(path, buf, sizeof(buf));
	uint64_t v;

	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n <= 0 || scan_dec_all(buf, (size_t)n, UINT32_MAX, &v) < 0)
		return FS_QUEUE_DEFAULT;
	return v;
}

/* Open the fanotify group unless the wire or the mode rule it out;
 * -1 with p->why saying why the probe is on inotify. */
static int open_group(struct probe *p, const struct config *c)
{
	char why[PROBE_WHY_MAX - 12];

	F.fan.fd = F.fan.procfd = -1;
	if (p->mode == FS_MODE_INOTIFY)
		return fmt_str(p->why, sizeof(p->why), "inotify"), -1;
	if (c->profile == WIRE_STRICT)
		return fmt_str(p->why, sizeof(p->why),
				"inotify (--wire strict)"), -1;
	if (fs_fan_open(&F.fan, p, why, sizeof(why)) < 0)
		return fmt_str(p->why, sizeof(p->why), "inotify (%s)", why),
			-1;
	return 0;
}

/* Add one coalesced fd to the loop. */
static int add_fd(struct loop *l, struct loop_cfd *cfd, int fd,
		  struct coalesce_drain (*drain)(void *), uint64_t queue)
{
	cfd->fd = fd;
	cfd->drain = drain;
	cfd->cfg.max_ns = F.c->coalesce_ms * NS_PER_MS;
	cfd->cfg.capacity = queue;
	return loop_add_coalesced(l, cfd);
}

/* Watch i on inotify (opened on first use); -1 with p->why. */
static int on_inotify(struct probe *p, unsigned i, const char *path,
		      size_t len, uint32_t mask)
{
	int fd = F.ft.fd;

	if (F.ino.fd < 0) {
		fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (fd < 0)
			return fmt_str(p->why, sizeof(p->why), "inotify: %s",
					strerror(errno)), -1;
		fs_track_init(&F.ft, fd, p);
		F.ino.fd = fd;
	}
	if (fs_track_add(&F.ft, path, len, mask) < 0)
		return fmt_str(p->why, sizeof(p->why), "%.60s: %s",
				F.c->watch[i], strerror(errno)), -1;
	F.on[i] = ON_INOTIFY;
	return 0;
}

/* Put watch i on fanotify, or else on inotify. */
static int add_watch(struct probe *p, unsigned i, uint32_t mask)
{
	const char *path = F.c->watch[i];
	size_t len = strlen(path);
	int tree = len >= 3 && !strcmp(path + len - 3, "/**");

	if (tree)
		len -= 2;			/* a tree: PATH and its two stars */
	while (len > 1 && path[len - 1] == '/')
		len--;
	mask |= F.c->watch_add[i];
	if (F.fan.fd >= 0 && fs_fan_add(&F.fan, path, len, tree, mask,
					F.why[i], WHY_MAX) == 0) {
		F.on[i] = ON_FANOTIFY;
		return 0;
	}
	if (tree) {			/* inotify watches DIR alone */
		char why[WHY_MAX];

		memcpy(why, F.why[i], WHY_MAX);
		fmt_str(F.why[i], WHY_MAX, "not recursive%s%.32s",
			 F.fan.fd >= 0 ? ": " : "", F.fan.fd >= 0 ? why : "");
	}
	return on_inotify(p, i, path, len, mask);
}

static int fs_arm(struct probe *p, const struct config *c, struct loop *l)
{
	int rc = open_group(p, c) < 0;
	uint32_t mask = c->watch_mask ? c->watch_mask :
		c->profile == WIRE_STRICT ? FS_MASK_DEFAULT : FS_MASK_V11;
	unsigned i;

	F.p = p;
	F.c = c;
	F.ino.fd = F.ft.fd = -1;
	memset(F.on, ON_NONE, sizeof(F.on));
	for (i = 0; i < c->nwatch; i++) {
		F.why[i][0] = '\0';
		if (add_watch(p, i, mask) < 0)
			goto fail;
	}
	if (F.fan.fd >= 0 && F.fan.nwatch == 0)
		fs_fan_close(&F.fan);		/* every path went to inotify */
	if (F.ino.fd >= 0 && add_fd(l, &F.ino, F.ino.fd, ino_readable,
				    queue_len(INOTIFY_QUEUE)) < 0)
		goto fail_epoll;
	if (F.fan.fd >= 0 && add_fd(l, &F.fa, F.fan.fd, fan_readable,
				    queue_len(FANOTIFY_QUEUE)) < 0) {
		if (F.ino.fd >= 0)
			loop_del_coalesced(&F.ino);
		goto fail_epoll;
	}
	return rc;
fail_epoll:
	fmt_str(p->why, sizeof(p->why), "epoll: %s", strerror(errno));
fail:
	fs_fan_close(&F.fan);
	sys_close(&F.ino.fd);
	return -1;
}

static void fs_stop(struct probe *p)
{
	(void)p;
	if (F.ino.fd >= 0) {
		loop_del_coalesced(&F.ino);	/* what a window held back */
		sys_close(&F.ino.fd);
	}
	if (F.fan.fd >= 0) {
		loop_del_coalesced(&F.fa);
		fs_fan_close(&F.fan);
	}
}

/* hello's `watches`: per path (by its number, in declared order, as far
 * as the map holds), the mechanism, why it is not fanotify, the path. */
static void fs_hello(const struct probe *p, struct event *ev)
{
	char k[8], v[WIRE_MAPVAL_MAX + 1];
	unsigned i;

	(void)p;
	ev->has |= EVK_BIT(EVK_WATCHES);
	for (i = 0; i < F.c->nwatch && i < WIRE_MAP_MAX; i++) {
		fmt_str(k, sizeof(k), "%u", i + 1);
		fmt_str(v, sizeof(v), "%s%s%s%s %s",
			 F.on[i] == ON_FANOTIFY ? "fanotify" : "inotify",
			 F.why[i][0] && F.on[i] == ON_INOTIFY ? " (" : "",
			 F.on[i] == ON_INOTIFY ? F.why[i] : "",
			 F.why[i][0] && F.on[i] == ON_INOTIFY ? ")" : "",
			 F.c->watch[i]);
		event_map_text(ev, EVK_WATCHES, k, v);
	}
}

/* Nothing declared to watch: nothing to arm. */
static int fs_wanted(const struct config *c, int mode)
{
	return mode != FS_MODE_OFF && c->nwatch > 0;
}

const struct probe_ops fs_ops = {
	.name = "fs",
	.modes = { [FS_MODE_OFF] = "off", [FS_MODE_ON] = "on",
		   [FS_MODE_INOTIFY] = "inotify" },
	.default_mode = FS_MODE_ON,
	.wanted = fs_wanted,
	.arm = fs_arm,
	.stop = fs_stop,
	.hello = fs_hello,
};
