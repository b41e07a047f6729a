/*
 * proc_track.h: the process probe's bookkeeping, between the kernel's
 * records and struct event: a fixed table of live processes (and of the
 * last ones gone, so that a late event still finds its actor),
 * enrichment at exec (the exe from the fanotify chains, what /proc/PID
 * still shows), and the /proc rescan that reports what the connector did
 * not (start-up inventory, ENOBUFS resync, poll mode).
 *
 * It knows nothing of sockets or the loop: proc_ops.c feeds it records,
 * calls rescans and hands it the fanotify exe source when that armed; it
 * hands finished events to probe_emit.
 */
#pragma once
#include <stdint.h>
#include "agent/actor.h"
#include "agent/probe.h"
#include "lib/caps.h"
#include "proc_cnmsg.h"
#include "proc_fanotify.h"
#include "proc_ptable.h"
#include "wire/event.h"

/* A process that exited: what an event that comes late may need. */
struct proc_gone {
	uint32_t pid, ppid, uid;
	uint8_t flags, comm_len;	/* flags: PTE_* */
	char comm[16];
	uint64_t start_ns, exit_ns;
};

/* The exits of the connector batch being handled that are not handled
 * yet: an exec whose exit is among them is of a process already gone,
 * and so are its memory and cwd (the kernel sends the exit after it let
 * go of them), so /proc is not asked. */
struct proc_ahead {
	unsigned n;
	uint32_t pid[PROC_AHEAD_MAX];
};

struct proc_track {
	struct ptable t;
	int procfd;		/* an open /proc directory */
	int strict;		/* v1.0: no process.exec events exist */
	int hash;		/* --exe-hash sha256 */
	uint32_t gen;		/* rescan generation */
	uint64_t untracked;	/* processes the full table could not hold */
	uint64_t conn_ns;	/* the newest connector stamp: connector time */
	struct proc_fan *fan;	/* the fanotify exe source, NULL without */
	struct probe *p;	/* where events go, and its counters */
	unsigned gone_next;
	struct proc_gone gone[PROC_GONE_MAX];
	struct proc_ahead ahead;
};

void proc_track_init(struct proc_track *pt, struct ptable_ent *slots,
		     size_t cap, int procfd, int strict, struct probe *p);
/* One fork/exec/exit/comm record from the proc connector. */
void proc_track_rec(struct proc_track *pt, const struct cnproc_rec *r);
/* A record of the batch about to be handled, seen first: an exit is
 * noted ahead (struct proc_ahead).  proc_track_peek_end forgets them once
 * the batch is handled. */
void proc_track_peek(struct proc_track *pt, const struct cnproc_rec *r);
void proc_track_peek_end(struct proc_track *pt);
/* Diff /proc against the table: new pids become spawned events, vanished
 * ones exited events, each marked synthetic.  Returns the pids seen or -1. */
long proc_track_rescan(struct proc_track *pt);
/* actor.h's answer from the table: the process that had pid at some
 * time in [from_ns, at_ns], the newest. */
int proc_track_actor(struct proc_track *pt, uint32_t pid, uint64_t from_ns,
		     uint64_t at_ns,
		     struct actor *a);
