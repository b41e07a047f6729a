/*
 * fs_dircache.c: the per-drain directory cache of fs_dircache.h.
 */
#include <string.h>
#include "fs_dircache.h"

struct slot {
	struct fs_fid id;	/* id.len 0: empty */
	int16_t watch;
	uint16_t len;
	char path[FS_PATH_MAX];
};

static struct slot slot[FS_DIR_CACHE];

void fs_dircache_begin(void)
{
	unsigned i;

	for (i = 0; i < FS_DIR_CACHE; i++)
		slot[i].id.len = 0;
}

/* FNV-1a over the handle's bytes: the slot of id. */
static struct slot *home(const struct fan_fid *id)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < id->fh_len; i++)
		h = (h ^ id->fh[i]) * 16777619u;
	return &slot[h % FS_DIR_CACHE];
}

int fs_dircache_get(const struct fan_fid *id, int *watch, const char **path,
		    size_t *len)
{
	struct slot *s = home(id);

	if (!s->id.len || s->id.len != id->fh_len ||
	    memcmp(s->id.fh, id->fh, id->fh_len) ||
	    memcmp(s->id.fsid, id->fsid, sizeof(s->id.fsid)))
		return 0;
	*watch = s->watch;
	*path = s->path;
	*len = s->len;
	return 1;
}

void fs_dircache_put(const struct fan_fid *id, int watch, const char *path,
		     size_t len)
{
	struct slot *s = home(id);

	if (id->fh_len > sizeof(s->id.fh) || len > sizeof(s->path))
		return;
	memcpy(s->id.fsid, id->fsid, sizeof(s->id.fsid));
	memcpy(s->id.fh, id->fh, id->fh_len);
	s->id.len = (uint8_t)id->fh_len;
	s->watch = (int16_t)watch;
	s->len = (uint16_t)len;
	memcpy(s->path, path, len);
}
