/*
 * fs_fanev.c: fanotify records → fs.fanotify_fired events (fs_fan.h).
 *
 * A record is matched to a watch by its directory handle: the watched
 * directory's own (an entry of it, or "." for itself), or its parent's
 * with the watch's last component as the name (the watched file or
 * directory itself).  Else a tree watch on that file system resolves the
 * directory to its path (once per drain: fs_dircache.h) and keeps what
 * lies under its root; one outside every tree is ignored in the kernel
 * from then on (fs_fanign.h).  The first
 * watch that matches takes the record: one event per record, with its
 * actor's keys (fs_actor.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include "agent/fan/fan_info.h"
#include "fs_actor.h"
#include "fs_dircache.h"
#include "fs_event.h"
#include "fs_fan.h"
#include "fs_fanign.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/sys.h"

/* The events a record may carry (not ONDIR, not the overflow). */
#define EVENTS 0xfffu

static struct event ev;

/* Is the reported fid the one kept in id? */
static int same(const struct fs_fid *id, const struct fan_fid *r)
{
	return id->len && id->len == r->fh_len &&
		memcmp(id->fsid, r->fsid, sizeof(id->fsid)) == 0 &&
		memcmp(id->fh, r->fh, id->len) == 0;
}

/* The watch of a record by its handles, or NULL; *whole: the record is
 * about the watched object itself (no entry name). */
static struct fs_fwatch *by_fid(struct fs_fan *f, const struct fan_info *fi,
				uint32_t mask, int *whole)
{
	struct fs_fwatch *w;

	for (w = f->w; w < f->w + f->nwatch; w++) {
		if (!(mask & w->mask))
			continue;
		if (w->isdir && same(&w->self, &fi->dir)) {
			*whole = fi->name_len == 0;
			return w;
		}
		if (same(&w->parent, &fi->dir) &&
		    fi->name_len == (size_t)(w->rlen - w->base) &&
		    memcmp(fi->name, w->real + w->base, fi->name_len) == 0) {
			*whole = 1;
			return w;
		}
	}
	return NULL;
}

/* The path of the directory fi names, through a tree watch's root fd on
 * its file system, into buf: its length, or 0. */
static size_t dir_path(const struct fs_fwatch *w,
		       const struct fan_info *fi, char *buf, size_t cap)
{
	struct {
		struct file_handle h;
		uint8_t b[FS_FH_MAX - sizeof(struct file_handle)];
	} fh;
	ssize_t n;
	int fd;

	if (fi->dir.fh_len > sizeof(fh))
		return 0;
	memcpy(&fh, fi->dir.fh, fi->dir.fh_len);
	fd = open_by_handle_at(w->root_fd, &fh.h, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;			/* gone already (ESTALE) */
	n = sys_fd_path(fd, buf, cap);
	close(fd);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The first tree watch on fi's file system that dir[0..n) lies under,
 * by index, or -1. */
static int place(struct fs_fan *f, const struct fan_info *fi, const char *dir,
		 size_t n)
{
	int i;

	for (i = 0; n && i < f->nwatch; i++)
		if (f->w[i].tree && !memcmp(f->w[i].self.fsid, fi->dir.fsid,
					    sizeof(fi->dir.fsid)) &&
		    fs_fan_under(&f->w[i], dir, n))
			return i;
	return -1;
}

/* The tree watch the record's directory lies under (its path in *dir,
 * resolved once per drain: fs_dircache.h), or NULL. */
static struct fs_fwatch *by_tree(struct fs_fan *f, const struct fan_info *fi,
				 uint32_t mask, const char **dir, size_t *n)
{
	static char buf[FS_PATH_MAX];
	struct fs_fwatch *w;
	int k;

	if (!fs_dircache_get(&fi->dir, &k, dir, n)) {
		for (w = f->w; w < f->w + f->nwatch; w++)
			if (w->tree && !memcmp(w->self.fsid, fi->dir.fsid,
					       sizeof(fi->dir.fsid)))
				break;
		if (w == f->w + f->nwatch)
			return NULL;		/* no tree on its file system */
		*n = dir_path(w, fi, buf, sizeof(buf));
		k = place(f, fi, buf, *n);
		fs_dircache_put(&fi->dir, k, buf, *n);
		if (k < 0)
			fs_fanign_add(f, w, fi, buf, *n);
		*dir = buf;
	}
	if (k < 0 || !(mask & f->w[k].mask))
		return NULL;
	return &f->w[k];
}

/* One record: count an overflow, drop the agent's own, emit the rest. */
static void on_rec(void *vf, const struct fan_rec *r)
{
	struct fs_fan *f = vf;
	const char *dir = NULL;
	uint32_t mask = (uint32_t)r->mask;
	struct fs_fwatch *w;
	struct fan_info fi;
	size_t n = 0;
	int whole = 0;

	if (r->fd >= 0)
		close(r->fd);			/* fid groups give none */
	if (r->mask & FAN_Q_OVERFLOW) {
		f->p->dropped[LOSS_FANOTIFY_OVERFLOW]++;
		LOG_RL(log_warnx, "fs: fanotify queue overflowed: events lost");
		return;
	}
	if (r->pid > 0 && (uint32_t)r->pid == f->self)
		return;				/* the agent's own access */
	if (fan_info_parse(r->info, r->info_len, &fi) < 0 || !fi.has_dir) {
		f->p->dropped[LOSS_PROBE_ERROR]++;
		return;
	}
	w = by_fid(f, &fi, mask, &whole);
	if (!w)
		w = by_tree(f, &fi, mask, &dir, &n);
	if (!w) {
		f->foreign++;
		return;
	}
	event_init(&ev, PS_FS_FANOTIFY_FIRED, r->pid > 0 ? (uint32_t)r->pid : 0,
		   clock_mono_ns());
	fs_actor_keys(f->procfd, f->empty_ns, &ev);
	mask &= (w->mask & EVENTS) | FAN_ONDIR;
	if (dir)
		fs_event_file(&ev, dir, n, fi.name, fi.name_len, mask);
	else if (w->tree)		/* a tree's paths are all real ones */
		fs_event_file(&ev, w->real, w->rlen, fi.name,
			      whole ? 0 : fi.name_len, mask);
	else
		fs_event_file(&ev, w->path, w->len, fi.name,
			      whole ? 0 : fi.name_len, mask);
	if (w->tree && (mask & (FAN_MOVED_TO | FAN_ONDIR)) ==
	    (FAN_MOVED_TO | FAN_ONDIR) && f->nign)
		fs_fanign_clear(f);	/* it may hold ignored directories */
	probe_emit(f->p, &ev);
}

void fs_fan_feed(struct fs_fan *f, const void *buf, size_t len)
{
	fan_parse(buf, len, on_rec, f, &f->st);
	f->p->dropped[LOSS_PROBE_ERROR] += f->st.malformed;
	f->st.malformed = 0;
}
