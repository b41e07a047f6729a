/*
 * proc_exefile.h: what a file an exec opened is (fanotify hands the
 * process probe an fd of it): its identity, its exec format
 * (proc_exehdr.h) and, with --exe-hash, its SHA-256.
 *
 * The format and the hash are cached by (dev, ino, mtime, size) in a
 * fixed table, so a binary run a thousand times is read once.  A file
 * changed in place changes its mtime (or size) and is read again.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "proc_exehash.h"
#include "proc_exehdr.h"

struct exefile_info {
	uint64_t dev, ino;
	int deleted;		/* no name left (st_nlink 0) */
	struct exehdr h;
	int has_sha;
	int hash_skipped;	/* asked for, not done (too large, read error) */
	uint8_t sha[EXEHASH_LEN];
};

struct exefile_ent {
	uint64_t dev, ino, size;	/* ino 0: free */
	int64_t mtime_ns;
	struct exehdr h;
	uint8_t has_sha;
	uint8_t sha[EXEHASH_LEN];
};

struct exefile {
	struct exefile_ent e[PROC_EXEFILE_MAX];
	unsigned turn;			/* which way of a set goes next */
	uint64_t hits, misses;
};

void exefile_init(struct exefile *c);
/* Look at the file open on fd: fstat, then the cache, else its first
 * bytes (and the hash when hash is set).  0, or -1 when fstat failed. */
int exefile_look(struct exefile *c, int fd, int hash, struct exefile_info *out);
