/*
 * fan_marks.c: marking every mount for a fanotify group (fan_marks.h).
 *
 * The mount table is read whole each time (a few KiB in a microVM) with
 * fan_mountinfo_parse; a mount id not in the last table is marked.  The
 * table of ids is rebuilt each time, so an id the kernel reuses for a new
 * mount is marked again.  Marking a file system twice is harmless (the
 * kernel merges the masks).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include "lib/fmt.h"
#include "lib/log.h"
#include "fan_marks.h"
#include "fan_mountinfo.h"

/* One mount: its file system, or the mount alone where that is refused. */
static int mark_path(struct fan_marks *m, int dirfd, const char *path)
{
	unsigned base = FAN_MARK_ADD;

	if (fanotify_mark(m->fan_fd, base | FAN_MARK_FILESYSTEM, m->mask,
			  dirfd, path) == 0 ||
	    fanotify_mark(m->fan_fd, base | FAN_MARK_MOUNT, m->mask, dirfd,
			  path) == 0) {
		m->marked++;
		return 1;
	}
	m->refused++;
	m->err = errno;
	LOG_RL(log_warn, "fanotify: cannot mark %s", path ? path : "memfd");
	return 0;
}

/* Was mount id in the table of the last walk? */
static int known(const struct fan_marks *m, uint32_t id)
{
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (m->id[i] == id)
			return 1;
	return 0;
}

/* One line of mountinfo: mark it when new, note its id in ids[]. */
static int one_line(struct fan_marks *m, const char *s, size_t n,
		    uint32_t *ids, uint32_t *nids)
{
	static char point[FAN_POINT_MAX];
	struct fan_mnt mnt;
	int made = 0;

	if (fan_mountinfo_parse(s, n, &mnt, point, sizeof(point)) < 0)
		return 0;
	if (!known(m, mnt.id))
		made = mark_path(m, AT_FDCWD, point);
	if (*nids < FAN_MOUNTS_MAX)
		ids[(*nids)++] = mnt.id;
	return made;
}

int fan_marks_refresh(struct fan_marks *m)
{
	static char buf[FAN_INFO_BUF];
	static uint32_t ids[FAN_MOUNTS_MAX];
	uint32_t nids = 0;
	size_t have = 0, start, i;
	int made = 0, skip = 0;
	ssize_t r;

	if (lseek(m->info_fd, 0, SEEK_SET) < 0)
		return -1;
	while ((r = read(m->info_fd, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)r;
		for (start = 0, i = 0; i < have; i++) {
			if (buf[i] != '\n')
				continue;
			if (!skip)
				made += one_line(m, buf + start, i - start,
						 ids, &nids);
			skip = 0;
			start = i + 1;
		}
		if (start == 0 && have == sizeof(buf))
			skip = 1, start = have;	/* a line longer than buf */
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	if (r < 0)
		return -1;
	memcpy(m->id, ids, nids * sizeof(ids[0]));
	m->n = nids;
	return made;
}

int fan_marks_open(struct fan_marks *m, int fan_fd, uint64_t mask, char *why,
		   size_t cap)
{
	m->fan_fd = fan_fd;
	m->mask = mask;
	m->n = 0;
	m->marked = m->refused = 0;
	m->err = 0;
	/* opened before the first read: a change after it polls ready */
	m->info_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (m->info_fd < 0 || fan_marks_refresh(m) < 0) {
		fmt_str(why, cap, "/proc/self/mountinfo: %s", strerror(errno));
		fan_marks_close(m);
		return -1;
	}
	if (m->marked == 0) {
		fmt_str(why, cap, "fanotify_mark: %s", strerror(m->err));
		fan_marks_close(m);
		return -1;
	}
	return 0;
}

void fan_marks_close(struct fan_marks *m)
{
	if (m->info_fd >= 0)
		close(m->info_fd);
	m->info_fd = -1;
}
