/*
 * proc_procfs.h: what the process probe reads from /proc, as pure
 * parsers over file bytes plus thin readers that fill fixed buffers.
 *
 * Nothing here allocates: no opendir/readdir (they malloc); directories
 * are walked with getdents64 into a caller's buffer.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct procfs_stat {
	char comm[16];
	size_t comm_len;
	uint32_t ppid;
	uint32_t flags;		/* field 9: PF_* (PF_KTHREAD: a kernel thread) */
	uint64_t start_ticks;	/* field 22: clock ticks after boot */
};

/* The PF_KTHREAD bit of the stat flags. */
#define PROCFS_PF_KTHREAD 0x00200000u

/* Parse /proc/PID/stat; comm may hold spaces and ')' (the last ')' ends it).
 * 0 on success, -1 when the text is not a stat line. */
int procfs_parse_stat(const char *s, size_t n, struct procfs_stat *st);

/* Read /proc/PID/stat (relative to an open /proc fd); 0 or -1. */
int procfs_read_stat(int procfd, uint32_t pid, struct procfs_stat *st);

/* Call fn for every numeric entry of /proc (a pid).  buf is the caller's
 * getdents64 buffer.  Returns the pids seen, or -1 with errno. */
long procfs_scan(int procfd, char *buf, size_t cap,
		 void (*fn)(void *ctx, uint32_t pid), void *ctx);
