/*
 * fs_dircache.h: what the tree watches learnt of a directory during one
 * drain of the fanotify queue: under which tree it lies and its path, or
 * that it lies under none.  A burst's records come from few directories;
 * without it each record of a tree's file system costs an
 * open_by_handle_at, a readlink and a close, those outside the tree too.
 * Emptied at each drain, so a directory renamed in or out of a tree is
 * placed anew within one drain.  FS_DIR_CACHE entries, by a hash of the
 * handle; a collision replaces.
 */
#pragma once
#include <stddef.h>
#include "fs_fan.h"
#include "agent/fan/fan_info.h"

/* A drain starts: forget every directory. */
void fs_dircache_begin(void);
/* The watch index id was placed under (-1: none) and its path, or 0
 * when id is not cached. */
int fs_dircache_get(const struct fan_fid *id, int *watch, const char **path,
		    size_t *len);
/* Remember id: under watch (-1: none), its path[0..len). */
void fs_dircache_put(const struct fan_fid *id, int watch, const char *path,
		     size_t len);
