/*
 * proc_fanotify.c: the fanotify exe source (proc_fanotify.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/sys.h"
#include "proc_fanotify.h"

int proc_fan_open(struct proc_fan *f, int procfd, int hash, char *why,
		  size_t cap)
{
	unsigned flags = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK;
	unsigned ev = O_RDONLY | O_LARGEFILE | O_CLOEXEC;

	memset(&f->st, 0, sizeof(f->st));
	f->unusable = 0;
	f->procfd = procfd;
	f->hash = hash;
	f->self = (uint32_t)getpid();
	exejoin_init(&f->join);
	exefile_init(&f->files);
	/* O_NOATIME: reading a binary's header must not touch its atime */
	f->fd = fanotify_init(flags, ev | O_NOATIME);
	if (f->fd < 0 && errno == EINVAL)
		f->fd = fanotify_init(flags, ev);
	if (f->fd < 0) {
		fmt_str(why, cap, "fanotify_init: %s", strerror(errno));
		return -1;
	}
	if (fan_marks_open(&f->marks, f->fd, FAN_OPEN_EXEC, why, cap) < 0) {
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	return 0;
}

/* The path the fd was opened at, into buf; its length, or 0. */
static size_t fd_path(int fd, char *buf, size_t cap)
{
	ssize_t n = sys_fd_path(fd, buf, cap);

	return n > 0 ? (size_t)n : 0;
}

/* A script's #! name: read again through fd (the cache keeps only where
 * it lies), into buf; its length or 0. */
static size_t script_name(int fd, const struct exehdr *h, char *buf)
{
	ssize_t n = pread(fd, buf, EXEHDR_SCRIPT_BYTES, 0);

	if (n < (ssize_t)(h->name_off + h->name_len))
		return 0;
	memmove(buf, buf + h->name_off, h->name_len);
	return h->name_len;
}

/* Has pid no root to resolve names in any more: gone, or a zombie (its
 * fs went at exit, so /proc/PID/root no longer resolves)? */
static int rootless(const struct proc_fan *f, uint32_t pid)
{
	char name[24];

	fmt_str(name, sizeof(name), "%u/root", pid);
	return faccessat(f->procfd, name, F_OK, 0) < 0;
}

/* Is the file (dev, ino) not the interpreter `name` the newest chain of
 * pid waits for?  Resolved in the process's root (or cwd, for a relative
 * name) while it lives, else in ours; 0 when it is, or cannot be told. */
static int not_interp(const struct proc_fan *f, uint32_t pid,
		      const struct exefile_info *info)
{
	char path[EXEHDR_SCRIPT_BYTES + 32];
	size_t len;
	const char *name = exejoin_wants(&f->join, pid, &len);
	struct stat st;
	int rc;

	if (!name)
		return 0;
	fmt_str(path, sizeof(path), "%u/%s%.*s", pid,
		 name[0] == '/' ? "root" : "cwd/", (int)len, name);
	rc = fstatat(f->procfd, path, &st, 0);
	if (rc < 0 && rootless(f, pid)) {
		if (name[0] != '/')
			return 0;
		fmt_str(path, sizeof(path), "%.*s", (int)len, name);
		rc = stat(path, &st);
	}
	if (rc < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return (uint64_t)st.st_dev != info->dev ||
		(uint64_t)st.st_ino != info->ino;
}

/* One record: learn the file through its fd, close it, feed the chains. */
static void on_rec(void *ctx, const struct fan_rec *r)
{
	static char path[PROC_EXE_MAX], name[EXEHDR_SCRIPT_BYTES];
	struct proc_fan *f = ctx;
	struct exefile_info info;
	struct exejoin_in in;

	if (r->mask & FAN_Q_OVERFLOW)
		return;				/* counted in f->st */
	if (r->fd < 0) {
		f->unusable++;
		return;
	}
	if (r->pid <= 0 || (uint32_t)r->pid == f->self ||
	    !(r->mask & FAN_OPEN_EXEC) ||
	    exefile_look(&f->files, r->fd, f->hash, &info) < 0) {
		f->unusable += r->pid > 0 && (uint32_t)r->pid != f->self;
		close(r->fd);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.path_len = fd_path(r->fd, path, sizeof(path));
	if (info.h.kind == EXEHDR_SCRIPT)
		in.name_len = script_name(r->fd, &info.h, name);
	close(r->fd);
	in.name = name;
	in.not_interp = not_interp(f, (uint32_t)r->pid, &info);
	in.pid = (uint32_t)r->pid;
	in.seen_ns = f->read_ns;
	in.h = info.h;
	in.dev = info.dev, in.ino = info.ino;
	in.deleted = info.deleted;
	in.path = path;
	in.sha = info.has_sha ? info.sha : NULL;
	in.hash_skipped = info.hash_skipped;
	exejoin_file(&f->join, &in);
}

/* Records one read may take: what the chain table has room for, less
 * `keep` slots; at least one when for is set (the oldest chain may go). */
static size_t read_room(const struct proc_fan *f, size_t keep, int for_pid)
{
	size_t room = exejoin_room(&f->join);

	room = room > keep ? room - keep : 0;
	if (room == 0 && for_pid)
		room = 1;
	return room < PROC_FAN_READ_MAX ? room : PROC_FAN_READ_MAX;
}

long proc_fan_drain(struct proc_fan *f, uint32_t pid)
{
	static uint8_t buf[PROC_FAN_READ_MAX * FAN_EVENT_METADATA_LEN]
		__attribute__((aligned(8)));
	size_t room, want;
	uint64_t before = f->st.records;
	ssize_t n;
	int i;

	for (i = 0; f->fd >= 0 && i < PROC_FAN_ROUNDS; i++) {
		if (pid && exejoin_ready(&f->join, pid))
			break;				/* its chain is whole */
		room = read_room(f, pid ? 0 : PROC_FAN_SPARE, pid != 0);
		if (room == 0)
			break;				/* leave them queued */
		want = room * FAN_EVENT_METADATA_LEN;
		n = read(f->fd, buf, want);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		f->read_ns = clock_mono_ns();
		fan_parse(buf, (size_t)n, on_rec, f, &f->st);
		if ((size_t)n < want)
			break;				/* the queue is empty */
	}
	return (long)(f->st.records - before);
}

uint64_t proc_fan_lost(const struct proc_fan *f)
{
	return f->st.overflow + f->st.malformed + f->unusable;
}

void proc_fan_close(struct proc_fan *f)
{
	if (f->fd < 0)
		return;
	fan_marks_close(&f->marks);
	close(f->fd);
	f->fd = -1;
}
