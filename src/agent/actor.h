/*
 * actor.h: who did it.  The process probe's table answers, for a pid at a
 * moment, which process instance that was (its start_ns, with the pid
 * and the boot id one instance everywhere), its parent, uid and comm
 * (no exe: the table keeps none; the fs probe reads it from /proc); any
 * probe names the actor of its events through this, without calling
 * into the process probe.
 *
 * The process probe registers its answer when it arms and withdraws it
 * when it stops; with none registered every lookup is unknown.  A probe
 * that reads records of its own kernel queue before the table has read
 * the process events queued before them (the exec that named the
 * process, its exit) asks it to catch up first.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "wire/event.h"

struct actor {
	uint64_t start_ns;		/* fork time on the guest's monotonic clock */
	uint32_t ppid;
	uint32_t uid;
	int has_uid;
	uint8_t comm_len;
	char comm[WIRE_COMM_MAX];
};

/* The answer of pid at some time in [from_ns, at_ns] (monotonic): 0 and
 * *a when the table knows a process that had pid then (the newest), -1
 * when it does not. */
typedef int actor_fn(uint32_t pid, uint64_t from_ns, uint64_t at_ns,
		     struct actor *a);

/* Read what the process events' queue holds into the table, bounded. */
typedef void actor_sync_fn(void);

/* The process probe's answer and catch-up, or NULL: every lookup
 * unknown, nothing to catch up. */
void actor_provide(actor_fn *fn, actor_sync_fn *sync);
/* Bring the table up to now (records just read from another queue were
 * made before now); nothing when no table is registered. */
void actor_catch_up(void);
/* 0 with *a filled, or -1: unknown (no table, pid 0, not tracked). */
int actor_lookup(uint32_t pid, uint64_t at_ns, struct actor *a);
/* The same for an event known only to lie in [from_ns, at_ns] (a record
 * read from a kernel queue at at_ns that was empty at from_ns). */
int actor_lookup_span(uint32_t pid, uint64_t from_ns, uint64_t at_ns,
		      struct actor *a);
/* Set start_ns on ev from the actor of its guest_pid at its time, when
 * known and not already set. */
void actor_stamp(struct event *ev);
