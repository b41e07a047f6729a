/*
 * fs_fan.c: the fanotify group of fs_fan.h and its marks; the records
 * become events in fs_fanev.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "agent/actor.h"
#include "fs_actor.h"
#include "fs_dircache.h"
#include "fs_fan.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sys.h"

/* Directory-entry events: a mark on a file refuses them (ENOTDIR). */
#define DIRENT (FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO)

int fs_fan_open(struct fs_fan *f, struct probe *p, char *why, size_t cap)
{
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK;
	int fd;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->self = (uint32_t)getpid();
	f->p = p;
	f->procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->procfd < 0)
		return fmt_str(why, cap, "/proc: %s", strerror(errno)), -1;
	/* a group without fid reporting is for CAP_SYS_ADMIN only: granted,
	 * the fid group below reports every pid (an unprivileged one, which
	 * 5.13+ grants in a user namespace, would report them as 0) */
	fd = fanotify_init(flags, O_RDONLY);
	if (fd < 0) {
		fmt_str(why, cap, "fanotify_init: %s", strerror(errno));
		goto fail;
	}
	close(fd);
	f->fd = fanotify_init(flags | FAN_REPORT_DFID_NAME,
			      O_RDONLY | O_CLOEXEC | O_LARGEFILE);
	f->empty_ns = clock_mono_ns();
	if (f->fd >= 0)
		return 0;
	fmt_str(why, cap, "FAN_REPORT_DFID_NAME: %s%s", strerror(errno),
		 errno == EINVAL ? " (Linux < 5.9)" : "");
fail:
	sys_close(&f->procfd);
	return -1;
}

/* The fid of path (AT_FDCWD) into *id: 0, or -1 with errno. */
static int fid_of(const char *path, struct fs_fid *id)
{
	struct {
		struct file_handle h;
		uint8_t b[FS_FH_MAX - sizeof(struct file_handle)];
	} fh;
	struct statfs sf;
	int mnt;

	fh.h.handle_bytes = sizeof(fh.b);
	if (name_to_handle_at(AT_FDCWD, path, &fh.h, &mnt, 0) < 0 ||
	    statfs(path, &sf) < 0)
		return -1;
	memcpy(id->fsid, &sf.f_fsid, sizeof(id->fsid));
	id->len = (uint8_t)(sizeof(fh.h) + fh.h.handle_bytes);
	memcpy(id->fh, &fh, id->len);
	return 0;
}

/* The handles of w: its own (a directory) and its parent's. */
static int fids(struct fs_fwatch *w)
{
	char parent[FS_PATH_MAX];
	size_t plen = w->base > 1 ? w->base - 1u : 1;

	if (w->isdir && fid_of(w->real, &w->self) < 0)
		return -1;
	if (w->rlen <= 1)
		return 0;		/* "/" has no parent */
	memcpy(parent, w->real, plen);
	parent[plen] = '\0';
	return fid_of(parent, &w->parent);
}

/* Make the mark: an inode mark, or the file system's for a tree. */
static int mark(struct fs_fan *f, struct fs_fwatch *w, const char *path)
{
	uint64_t m = w->mask;
	unsigned how = FAN_MARK_ADD;

	if (w->tree)
		how |= FAN_MARK_FILESYSTEM, m |= FAN_ONDIR;
	else if (w->isdir)
		m |= FAN_EVENT_ON_CHILD | FAN_ONDIR;
	else
		m &= ~(uint64_t)DIRENT;
	return fanotify_mark(f->fd, how, m, AT_FDCWD, path);
}

/* w->real: path with its symlinks resolved, as the kernel names it
 * (readlink of an O_PATH fd: no realpath, which would link malloc in). */
static int real_path(const char *path, struct fs_fwatch *w)
{
	ssize_t n;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = sys_fd_path(fd, w->real, sizeof(w->real));
	close(fd);
	if (n <= 0 || (size_t)n >= sizeof(w->real)) {
		errno = n < 0 ? errno : ENAMETOOLONG;
		return -1;
	}
	w->real[n] = '\0';
	w->rlen = (uint16_t)n;
	return 0;
}

int fs_fan_add(struct fs_fan *f, const char *path, size_t len, int tree,
	       uint32_t mask, char *why, size_t cap)
{
	struct fs_fwatch *w = &f->w[f->nwatch];
	const char *step = "stat";
	char z[FS_PATH_MAX];
	struct stat st;

	if (f->nwatch >= FS_WATCH_MAX || len >= sizeof(z))
		return fmt_str(why, cap, "no room"), -1;
	memcpy(z, path, len);
	z[len] = '\0';
	memset(w, 0, sizeof(*w));
	w->path = path;
	w->len = (uint16_t)len;
	w->tree = (uint8_t)tree;
	w->mask = mask;
	w->root_fd = -1;
	while (len > 1 && path[len - 1] == '/')
		w->len = (uint16_t)--len;	/* "/a/" is "/a" */
	z[len] = '\0';
	if (stat(z, &st) < 0)
		goto fail;
	w->isdir = S_ISDIR(st.st_mode);
	step = "open";
	if (real_path(z, w) < 0)
		goto fail;
	w->base = (uint16_t)(strrchr(w->real, '/') - w->real + 1);
	path = w->real;
	step = "name_to_handle_at";
	if (tree && !w->isdir) {
		errno = ENOTDIR;
		goto fail;
	}
	if (fids(w) < 0)
		goto fail;
	step = "fanotify_mark";
	if (mark(f, w, path) < 0)
		goto fail;
	if (tree) {
		step = "open";
		w->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (w->root_fd < 0)
			goto fail;
	}
	f->nwatch++;
	return 0;
fail:
	fmt_str(why, cap, "%s: %s", step, strerror(errno));
	return -1;
}

struct coalesce_drain fs_fan_read(struct fs_fan *f)
{
	static uint8_t buf[FS_READ_BYTES] __attribute__((aligned(8)));
	uint64_t recs = f->st.records;
	uint64_t over = f->p->dropped[LOSS_FANOTIFY_OVERFLOW];
	struct coalesce_drain d = { 0, 0, 0 };
	ssize_t n;
	int i;

	fs_actor_begin();
	fs_dircache_begin();
	for (i = 0; i < FS_READ_BATCH; i++) {
		n = read(f->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EAGAIN)
				f->empty_ns = clock_mono_ns();
			else if (n < 0 && errno != EINTR)
				LOG_RL(log_warn, "fs: fanotify read");
			break;
		}
		actor_catch_up();	/* their execs and exits, before them */
		fs_fan_feed(f, buf, (size_t)n);
	}
	d.items = (uint32_t)(f->st.records - recs);
	d.more = i == FS_READ_BATCH;
	d.loss = f->p->dropped[LOSS_FANOTIFY_OVERFLOW] != over;
	return d;
}

int fs_fan_under(const struct fs_fwatch *w, const char *dir, size_t n)
{
	if (w->rlen == 1)
		return 1;			/* "/" holds everything */
	return n >= w->rlen && memcmp(dir, w->real, w->rlen) == 0 &&
		(n == w->rlen || dir[w->rlen] == '/');
}

void fs_fan_close(struct fs_fan *f)
{
	int i;

	for (i = 0; i < f->nwatch; i++)
		sys_close(&f->w[i].root_fd);
	f->nwatch = 0;
	sys_close(&f->fd);
	sys_close(&f->procfd);
}
