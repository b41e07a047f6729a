/*
 * fs_fan.h: the file probe's fanotify group (FAN_CLASS_NOTIF with
 * FAN_REPORT_DFID_NAME, 5.9+): each record names the process that acted
 * (its pid) and the directory and entry the event is about (a file
 * handle and a name, fan_info.h), so every fs.fanotify_fired event
 * carries its actor.  Never a permission class, never
 * FAN_UNLIMITED_QUEUE: the kernel's queue (16384 records by default) is
 * the bound, and FAN_Q_OVERFLOW past it is the fanotify_overflow loss.
 *
 * A watch on a directory or a file is an inode mark, matched to its
 * records by the handles taken when it was marked (no system call per
 * record).  A tree (PATH, a slash and two stars) is a filesystem mark: its records come
 * from the whole file system, and the directory of each is resolved
 * (open_by_handle_at, readlink) and kept only under PATH.  Records of
 * the agent's own pid are dropped.  The fd is the caller's to poll
 * (fs_ops.c); reading it turns records into events here.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "agent/fan/fan_msg.h"
#include "agent/probe.h"
#include "lib/caps.h"
#include "lib/coalesce.h"

/* A directory's identity as fanotify reports it. */
struct fs_fid {
	uint8_t fsid[8];
	uint8_t len;			/* bytes of fh; 0: none */
	uint8_t fh[FS_FH_MAX];		/* struct file_handle */
};

struct fs_fwatch {
	const char *path;	/* the declared path (a tree: without its two stars) */
	uint16_t len;
	uint16_t rlen;		/* real: the path with symlinks resolved, */
	uint16_t base;		/* where its last component starts in it */
	char real[FS_PATH_MAX];	/* as the kernel names it (records, readlink) */
	uint8_t tree;		/* filesystem mark, filtered by prefix */
	uint8_t isdir;
	uint32_t mask;		/* the events it asked for */
	struct fs_fid self;	/* a directory's own handle */
	struct fs_fid parent;	/* the handle of the directory it is in */
	int root_fd;		/* tree: its root, open_by_handle_at's mount fd; else -1 */
};

struct fs_fan {
	int fd;			/* the group, -1 when none */
	int procfd;		/* /proc: the actor's comm and exe */
	uint32_t self;		/* the agent's pid: its own accesses are not events */
	int nwatch;
	struct fs_fwatch w[FS_WATCH_MAX];
	struct fan_stats st;
	uint64_t foreign;	/* records under no watch (a tree's file system) */
	uint64_t empty_ns;	/* when a read last found the queue empty */
	int ign_off;		/* ignore marks refused (before 6.0) */
	int nign;		/* directories ignored (fs_fanign.h) */
	struct fs_ign {
		struct fs_fid id;
		int16_t watch;	/* the tree whose root fd reopens it */
	} ign[FS_IGNORE_MAX];
	struct probe *p;	/* where events and losses go */
};

/* Open the group (and /proc).  0, or -1 with why: fanotify refused, or granted
 * without CAP_SYS_ADMIN in the initial user namespace (it would report
 * every other process's pid as 0), or a kernel before 5.9. */
int fs_fan_open(struct fs_fan *f, struct probe *p, char *why, size_t cap);
/* Mark path[0..len) for mask (path must outlive the group: events name
 * it); tree: its file system, events under path.  0, or -1 with why (the watch can go to
 * inotify instead). */
int fs_fan_add(struct fs_fan *f, const char *path, size_t len, int tree,
	       uint32_t mask, char *why, size_t cap);
/* Turn the bytes of one read of the group into events. */
void fs_fan_feed(struct fs_fan *f, const void *buf, size_t len);
/* Read the group (at most FS_READ_BATCH reads) and feed each in; what it
 * read, for the loop's coalescing (an overflow is a loss). */
struct coalesce_drain fs_fan_read(struct fs_fan *f);
/* Does dir[0..n) (a real path) lie under the tree w: its root or below? */
int fs_fan_under(const struct fs_fwatch *w, const char *dir, size_t n);
/* Close the group, its watches' fds and /proc. */
void fs_fan_close(struct fs_fan *f);
