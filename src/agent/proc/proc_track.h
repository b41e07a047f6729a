/*
 * proc_track.h: the process probe's bookkeeping, between the kernel's
 * records and struct event: a fixed table of live processes, enrichment
 * from /proc/PID at exec, and the /proc rescan that reports what the
 * connector did not (start-up inventory, ENOBUFS resync, poll mode).
 *
 * It knows nothing of sockets or the loop: proc_ops.c feeds it records
 * and calls rescans; it hands finished events to probe_emit.
 */
#pragma once
#include <stdint.h>
#include "agent/probe.h"
#include "proc_cnmsg.h"
#include "proc_ptable.h"
#include "wire/event.h"

struct proc_track {
	struct ptable t;
	int procfd;		/* an open /proc directory */
	int strict;		/* v1.0: no process.exec events exist */
	uint32_t gen;		/* rescan generation */
	uint64_t untracked;	/* processes the full table could not hold */
	struct probe *p;	/* where events go */
};

void proc_track_init(struct proc_track *pt, struct ptable_ent *slots,
		     size_t cap, int procfd, int strict, struct probe *p);
/* One fork/exec/exit record from the proc connector. */
void proc_track_rec(struct proc_track *pt, const struct cnproc_rec *r);
/* Diff /proc against the table: new pids become spawned events, vanished
 * ones exited events, each marked synthetic.  Returns the pids seen or -1. */
long proc_track_rescan(struct proc_track *pt);
