/*
 * fan_mountinfo.h: pure parser of one line of /proc/PID/mountinfo (see
 * proc(5)): which mount, of which device, where, of which type.  The
 * fanotify mark management (fan_marks.c) walks the file with it.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct fan_mnt {
	uint32_t id, parent;	/* mount ids */
	uint32_t major, minor;	/* st_dev of the file system */
	const char *fstype;	/* inside the line */
	size_t fstype_len;
	size_t point_len;	/* the mount point, unescaped, in the caller's buffer */
};

/* Parse the line s[0..n) (no newline).  The mount point is unescaped
 * (the kernel writes space, tab, newline and backslash as \ooo) into
 * point[0..cap), NUL-terminated.  0, or -1 when s is not a mountinfo
 * line or the mount point does not fit. */
int fan_mountinfo_parse(const char *s, size_t n, struct fan_mnt *m,
			char *point, size_t cap);
