/*
 * proc_fanotify.h: the process probe's exe source: a fanotify group that
 * reports every exec open (FAN_OPEN_EXEC, 5.0+) on every mount
 * (fan_marks.h), read into the exec chains of proc_exejoin.h.
 *
 * Each record brings the exec'ing pid and an open fd of the file: the
 * path (readlink of /proc/self/fd/N), the identity and the format come
 * from that fd even when the process is long gone, and the fd is closed
 * before the next read.  Reads are sized so that the chain table never
 * has to drop a chain to make room.  Needs CAP_SYS_ADMIN in the initial
 * user namespace; without it (or before 5.0) opening fails, and the probe
 * keeps reading exe from /proc.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "agent/fan/fan_marks.h"
#include "agent/fan/fan_msg.h"
#include "proc_exefile.h"
#include "proc_exejoin.h"

struct proc_fan {
	int fd;			/* the fanotify group, -1 when none */
	int procfd;		/* /proc: PID/root, PID/cwd of a chain */
	int hash;		/* --exe-hash sha256 */
	uint32_t self;		/* the agent's own pid: its execs are not ours */
	struct fan_marks marks;
	struct fan_stats st;
	uint64_t unusable;	/* records without a usable fd */
	uint64_t read_ns;	/* when the last read returned (exejoin's seen_ns) */
	struct exejoin join;
	struct exefile files;
};

/* Open the group and mark every mount.  0, or -1 with why. */
int proc_fan_open(struct proc_fan *f, int procfd, int hash, char *why,
		  size_t cap);
/* Read what is queued into the exec chains, in bounded rounds.  pid 0:
 * as far as the chain table has room, less PROC_FAN_SPARE slots kept for
 * the reads an exec asks for; pid: until pid's newest chain is whole (an
 * exec whose interpreter's record was not read yet), reading no more
 * records at once than the table has room for, so that no chain another
 * exec waits for is pushed out (only a full table loses its oldest).
 * Returns the records read, or -1 on a read error. */
long proc_fan_drain(struct proc_fan *f, uint32_t pid);
/* Records fanotify lost: overflows and records with no usable fd. */
uint64_t proc_fan_lost(const struct proc_fan *f);
void proc_fan_close(struct proc_fan *f);
