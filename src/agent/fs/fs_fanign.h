/*
 * fs_fanign.h: kernel-side filtering for tree watches.  A tree's
 * filesystem mark brings the records of its whole file system; once a
 * directory is placed outside every tree, an ignore mark on it
 * (FAN_MARK_IGNORE with FAN_EVENT_ON_CHILD, 6.0+) makes the kernel drop
 * its entries' events before they are queued, so a busy directory beside
 * the tree costs its writers (and the agent) one record, not one per
 * write.  Never on a directory that holds a watched path (the kernel
 * would subtract its ignore mask from that path's events too).  At most FS_IGNORE_MAX at once (the kernel
 * counts marks against fs.fanotify.max_user_marks); when the table is
 * full, those of directories since removed are reclaimed.  A directory
 * moved into a tree must be seen again: on such a move every ignore mark
 * is removed, and each ignored directory then found inside a tree counts
 * one fanotify_unseen loss (what happened in it between the move and
 * the agent's reading of it was dropped by the kernel).  Before 6.0
 * (EINVAL) nothing is ignored.
 */
#pragma once
#include <stddef.h>
#include "agent/fan/fan_info.h"
#include "fs_fan.h"

/* dir[0..n) (the directory fi names, resolved through tree watch w) lies
 * under no tree: ignore its entries from now on, if it may. */
void fs_fanign_add(struct fs_fan *f, const struct fs_fwatch *w,
		   const struct fan_info *fi, const char *dir, size_t n);
/* A directory was moved into a tree: remove every ignore mark. */
void fs_fanign_clear(struct fs_fan *f);
