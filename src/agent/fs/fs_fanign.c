/*
 * fs_fanign.c: the ignore marks of fs_fanign.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include "fs_fanign.h"
#include "lib/log.h"
#include "lib/sys.h"

#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400	/* 6.0; musl's header predates it */
#endif
#define IGNORE (FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY)
/* Every event an entry of the directory could bring. */
#define EVERY (0xfffu | FAN_EVENT_ON_CHILD | FAN_ONDIR)

/* Does dir[0..n) hold (or is it) a watched path?  Its ignore mark would
 * hide that path's own events (the kernel subtracts every ignore mask of
 * the group from an event). */
static int holds_watch(const struct fs_fan *f, const char *dir, size_t n)
{
	int i;

	for (i = 0; i < f->nwatch; i++)
		if (n <= f->w[i].rlen &&
		    memcmp(f->w[i].real, dir, n) == 0 &&
		    (n == f->w[i].rlen || f->w[i].real[n] == '/' || n == 1))
			return 1;
	return 0;
}

/* An fd of the directory e names, through its tree's root; -1: gone. */
static int reopen(const struct fs_fan *f, const struct fs_ign *e)
{
	struct {
		struct file_handle h;
		uint8_t b[FS_FH_MAX - sizeof(struct file_handle)];
	} fh;

	memcpy(&fh, e->id.fh, e->id.len);
	return open_by_handle_at(f->w[e->watch].root_fd, &fh.h,
				 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* A full table: drop the entries of directories that are gone (their
 * marks went with them). */
static void reclaim(struct fs_fan *f)
{
	int i = 0, fd;

	while (i < f->nign) {
		fd = reopen(f, &f->ign[i]);
		if (fd >= 0) {
			close(fd);
			i++;
			continue;
		}
		f->ign[i] = f->ign[--f->nign];
	}
}

void fs_fanign_add(struct fs_fan *f, const struct fs_fwatch *w,
		   const struct fan_info *fi, const char *dir, size_t n)
{
	char z[FS_PATH_MAX];
	struct fs_ign *e;

	if (f->ign_off || n == 0 || n >= sizeof(z) ||
	    fi->dir.fh_len > sizeof(e->id.fh) || holds_watch(f, dir, n))
		return;
	if (f->nign == FS_IGNORE_MAX)
		reclaim(f);
	if (f->nign == FS_IGNORE_MAX)
		return;
	memcpy(z, dir, n);
	z[n] = '\0';
	if (fanotify_mark(f->fd, FAN_MARK_ADD | IGNORE, EVERY, AT_FDCWD,
			  z) < 0) {
		f->ign_off = errno == EINVAL;
		return;
	}
	e = &f->ign[f->nign++];
	memcpy(e->id.fsid, fi->dir.fsid, sizeof(e->id.fsid));
	memcpy(e->id.fh, fi->dir.fh, fi->dir.fh_len);
	e->id.len = (uint8_t)fi->dir.fh_len;
	e->watch = (int16_t)(w - f->w);
}

/* Does the directory open at fd now lie under a tree?  Then the kernel
 * dropped what happened in it since it moved in: counted. */
static void moved_in(struct fs_fan *f, int fd)
{
	char path[FS_PATH_MAX];
	ssize_t n = sys_fd_path(fd, path, sizeof(path));
	int i;

	for (i = 0; n > 0 && i < f->nwatch; i++)
		if (f->w[i].tree && fs_fan_under(&f->w[i], path, (size_t)n)) {
			f->p->dropped[LOSS_FANOTIFY_UNSEEN]++;
			return;
		}
}

void fs_fanign_clear(struct fs_fan *f)
{
	int i, fd;

	for (i = 0; i < f->nign; i++) {
		fd = reopen(f, &f->ign[i]);
		if (fd < 0)
			continue;		/* gone, and its mark with it */
		moved_in(f, fd);
		if (fanotify_mark(f->fd, FAN_MARK_REMOVE | IGNORE, EVERY, fd,
				  NULL) < 0 && errno != ENOENT)
			LOG_RL(log_warn, "fs: fanotify ignore mark");
		close(fd);
	}
	f->nign = 0;
}
