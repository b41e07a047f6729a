/*
 * net_cgroup2.h: where the cgroup v2 hierarchy is mounted (the attach point of
 * the net probe's BPF programs), mounting it when the guest has not.
 */
#pragma once
#include <stddef.h>

/* Find the first cgroup2 mount point in the text of /proc/mounts (n
 * bytes), octal escapes (\040) decoded.  Returns its length, or -1 when
 * there is none or it does not fit out[cap].  Pure. */
int cgroup2_find(const char *mounts, size_t n, char *out, size_t cap);
/* The cgroup2 root: from /proc/mounts, or mounted at NET_CGROUP2_MNT
 * when nothing is mounted (*mounted = 1 then; unmount it at the end with
 * cgroup2_unmount).  0 or -1 (errno); why says what failed. */
int cgroup2_root(char *out, size_t cap, int *mounted, char *why,
		 size_t whycap);
/* Undo cgroup2_root's mount (lazily: attachments keep the hierarchy). */
void cgroup2_unmount(const char *path);
