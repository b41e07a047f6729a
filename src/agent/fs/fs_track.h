/*
 * fs_track.h: the file probe's watch table and its events.  Each inotify
 * record on a declared path becomes one fs.inotify_fired event carrying
 * the watched path, the entry name, the mask and its names (op);
 * IN_Q_OVERFLOW is counted
 * as the probe's inotify_overflow loss.
 *
 * The inotify fd is the caller's (fs_ops.c); this file adds watches and
 * turns the bytes read from the fd into events.
 */
#pragma once
#include <stdint.h>
#include "agent/probe.h"
#include "lib/caps.h"
#include "lib/coalesce.h"
#include "wire/event.h"

struct fs_watch {
	int wd;			/* -1: not (or no longer) watched */
	uint16_t len;
	char path[FS_PATH_MAX];
};

struct fs_track {
	int fd;			/* the inotify fd */
	uint32_t self_pid;	/* events carry the agent's pid and comm */
	char self_comm[16];
	int nwatch;
	struct fs_watch w[FS_WATCH_MAX];
	uint64_t unknown_wd;	/* records for a wd we do not hold */
	struct probe *p;	/* where events and losses go */
};

void fs_track_init(struct fs_track *ft, int fd, struct probe *p);
/* Watch path[0..len) for the inotify events of mask; 0, or -1 with errno
 * (ENAMETOOLONG, ENOSPC when the table is full, or what
 * inotify_add_watch said). */
int fs_track_add(struct fs_track *ft, const char *path, size_t len,
		 uint32_t mask);
/* Turn the bytes of one read(2) of the inotify fd into events; returns
 * the records (inotify_parse). */
long fs_track_feed(struct fs_track *ft, const void *buf, size_t len);
/* Read the inotify fd (at most FS_READ_BATCH reads) and feed each in;
 * what it read, for the loop's coalescing (a queue overflow is a loss). */
struct coalesce_drain fs_track_read(struct fs_track *ft);
