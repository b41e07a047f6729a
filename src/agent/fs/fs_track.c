/*
 * fs_track.c: inotify watches and records → fs.inotify_fired events.
 *
 * inotify cannot say which process touched a file, so every event carries
 * the agent's own pid and comm (CellOS 0.5 does the same); the extended
 * profile adds path, name, mask and op (fs_event.h).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include "fs_track.h"
#include "fs_event.h"
#include "fs_inotify.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sys.h"

static struct event ev;

void fs_track_init(struct fs_track *ft, int fd, struct probe *p)
{
	char buf[32];
	ssize_t n = sys_read_file("/proc/self/comm", buf, sizeof(buf));

	memset(ft, 0, sizeof(*ft));
	ft->fd = fd;
	ft->self_pid = (uint32_t)getpid();
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0)
		memcpy(ft->self_comm, buf, (size_t)n < 16 ? (size_t)n : 16);
	ft->p = p;
}

int fs_track_add(struct fs_track *ft, const char *path, size_t len,
		 uint32_t mask)
{
	char z[FS_PATH_MAX];
	int wd;

	if (len >= FS_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (ft->nwatch >= FS_WATCH_MAX) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(z, path, len);
	z[len] = '\0';
	wd = inotify_add_watch(ft->fd, z, mask);
	if (wd < 0)
		return -1;
	ft->w[ft->nwatch].wd = wd;
	ft->w[ft->nwatch].len = (uint16_t)len;
	memcpy(ft->w[ft->nwatch].path, path, len);
	ft->nwatch++;
	return 0;
}

/* The watch a record names, or NULL. */
static struct fs_watch *by_wd(struct fs_track *ft, int wd)
{
	struct fs_watch *w;

	for (w = ft->w; w < ft->w + ft->nwatch && w->wd != wd; w++)
		;
	return w < ft->w + ft->nwatch ? w : NULL;
}

/* One record: count overflows, retire removed watches, emit the rest. */
static void on_rec(void *vft, const struct inotify_rec *r)
{
	struct fs_track *ft = vft;
	struct fs_watch *w;

	if (r->mask & IN_Q_OVERFLOW) {
		ft->p->dropped[LOSS_INOTIFY_OVERFLOW]++;
		LOG_RL(log_warnx, "fs: inotify queue overflowed: events lost");
		return;
	}
	w = by_wd(ft, r->wd);
	if (!w) {
		ft->unknown_wd++;
		return;
	}
	event_init(&ev, PS_FS_INOTIFY_FIRED, ft->self_pid, clock_mono_ns());
	event_set_bytes(&ev, EVK_GUEST_COMM, ft->self_comm,
			strnlen(ft->self_comm, sizeof(ft->self_comm)));
	fs_event_file(&ev, w->path, w->len, r->name, r->name_len, r->mask);
	if (r->mask & IN_IGNORED)
		w->wd = -1;		/* the kernel dropped the watch */
	probe_emit(ft->p, &ev);
}

long fs_track_feed(struct fs_track *ft, const void *buf, size_t len)
{
	return inotify_parse(buf, len, on_rec, ft);
}

struct coalesce_drain fs_track_read(struct fs_track *ft)
{
	static char buf[FS_READ_BYTES] __attribute__((aligned(8)));
	uint64_t overflows = ft->p->dropped[LOSS_INOTIFY_OVERFLOW];
	struct coalesce_drain d = { 0, 0, 0 };
	ssize_t n;
	long recs;
	int i;

	for (i = 0; i < FS_READ_BATCH; i++) {
		n = read(ft->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				LOG_RL(log_warn, "fs: inotify read");
			break;
		}
		recs = fs_track_feed(ft, buf, (size_t)n);
		d.items += recs > 0 ? (uint32_t)recs : 1;
	}
	d.more = i == FS_READ_BATCH;
	d.loss = ft->p->dropped[LOSS_INOTIFY_OVERFLOW] != overflows;
	return d;
}
