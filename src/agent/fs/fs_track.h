/*
 * fs_track.h: the file probe's watch table and its events.  Each inotify
 * record on a declared path becomes one fs.inotify_fired event carrying
 * the watched path, the entry name and the mask; IN_Q_OVERFLOW is counted.
 *
 * The inotify fd is the caller's (probe_fs); this file adds watches and
 * turns the bytes read from the fd into events.
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "wire/event.h"

typedef void fs_emit_fn(void *ctx, struct event *ev);

struct fs_watch {
	int wd;			/* -1: not (or no longer) watched */
	uint16_t len;
	char path[FS_PATH_MAX];
};

struct fs_track {
	int fd;			/* the inotify fd */
	uint32_t mask;
	uint32_t self_pid;	/* events carry the agent's pid and comm */
	char self_comm[16];
	int nwatch;
	struct fs_watch w[FS_WATCH_MAX];
	uint64_t overflows;	/* IN_Q_OVERFLOW records: the kernel dropped */
	uint64_t unknown_wd;	/* records for a wd we do not hold */
	fs_emit_fn *emit;
	void *ctx;
};

void fs_track_init(struct fs_track *ft, int fd, uint32_t mask,
		   fs_emit_fn *emit, void *ctx);
/* Watch path; 0, or -1 with errno (ENAMETOOLONG, ENOSPC when the table is
 * full, or what inotify_add_watch said). */
int fs_track_add(struct fs_track *ft, const char *path);
/* Turn the bytes of one read(2) of the inotify fd into events. */
void fs_track_feed(struct fs_track *ft, const void *buf, size_t len);
