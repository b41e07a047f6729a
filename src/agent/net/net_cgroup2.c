/*
 * net_cgroup2.c: find (or mount) the cgroup v2 hierarchy.
 *
 * The parser reads /proc/mounts text only; cgroup2_root does the I/O.  It
 * does not create cgroups or move processes: the probe attaches to the
 * root (or a directory the operator names) and watches everything below.
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "lib/caps.h"
#include "lib/fmt.h"
#include "lib/sys.h"
#include "net_cgroup2.h"

/* 1 for an octal digit. */
static int is_oct(char c)
{
	return c >= '0' && c <= '7';
}

/* Copy one space-separated /proc/mounts field, decoding \ooo escapes. */
static int copy_field(const char *s, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	int c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' && i + 3 < n && s[i + 1] <= '3' &&
		    is_oct(s[i + 1]) && is_oct(s[i + 2]) && is_oct(s[i + 3])) {
			c = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
			    (s[i + 3] - '0');
			i += 3;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (int)o;
}

/* Split a line into its first three fields: device, mount point, type. */
static int fields3(const char *s, size_t n, const char *f[3], size_t len[3])
{
	size_t i = 0, k;

	for (k = 0; k < 3; k++) {
		while (i < n && s[i] == ' ')
			i++;
		f[k] = s + i;
		while (i < n && s[i] != ' ')
			i++;
		len[k] = (size_t)(s + i - f[k]);
		if (len[k] == 0)
			return -1;
	}
	return 0;
}

int cgroup2_find(const char *mounts, size_t n, char *out, size_t cap)
{
	const char *line = mounts, *end = mounts + n, *nl, *f[3];
	size_t len[3];

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if (fields3(line, (size_t)(nl - line), f, len) == 0 &&
		    len[2] == 7 && memcmp(f[2], "cgroup2", 7) == 0)
			return copy_field(f[1], len[1], out, cap);
		line = nl + 1;
	}
	return -1;
}

int cgroup2_root(char *out, size_t cap, int *mounted, char *why,
		 size_t whycap)
{
	static char mounts[64 * 1024];
	ssize_t n;

	*mounted = 0;
	n = sys_read_file("/proc/mounts", mounts, sizeof(mounts));
	if (n >= 0 && cgroup2_find(mounts, (size_t)n, out, cap) > 0)
		return 0;
	if (strlen(NET_CGROUP2_MNT) >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* mkdir -p of a two-level path under /run. */
	if ((mkdir("/run/cellos-telemetry", 0700) < 0 && errno != EEXIST) ||
	    (mkdir(NET_CGROUP2_MNT, 0700) < 0 && errno != EEXIST) ||
	    mount("cgroup2", NET_CGROUP2_MNT, "cgroup2", MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL) < 0) {
		fmt_str(why, whycap, "no cgroup2 mount, mounting %s: %s",
			 NET_CGROUP2_MNT, strerror(errno));
		return -1;
	}
	strcpy(out, NET_CGROUP2_MNT);
	*mounted = 1;
	return 0;
}

void cgroup2_unmount(const char *path)
{
	umount2(path, MNT_DETACH);
}
