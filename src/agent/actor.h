/*
 * actor.h: who did it.  The process probe's table answers, for a pid at a
 * moment, which process instance that was (its start_ns, with the pid
 * and the boot id one instance everywhere), its parent, uid, comm and
 * exe; any probe names the actor of its events through this, without
 * calling into the process probe.
 *
 * The process probe registers its answer when it arms and withdraws it
 * when it stops; with none registered every lookup is unknown.
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
	const char *exe;		/* NULL when not known; valid until the next lookup */
	size_t exe_len;
};

/* The answer of pid at some time in [from_ns, at_ns] (monotonic): 0 and
 * *a when the table knows a process that had pid then (the newest), -1
 * when it does not. */
typedef int actor_fn(uint32_t pid, uint64_t from_ns, uint64_t at_ns,
		     struct actor *a);

/* The process probe's answer, or NULL: every lookup unknown. */
void actor_provide(actor_fn *fn);
/* 0 with *a filled, or -1: unknown (no table, pid 0, not tracked). */
int actor_lookup(uint32_t pid, uint64_t at_ns, struct actor *a);
/* The same for an event known only to lie in [from_ns, at_ns] (a record
 * read from a kernel queue at at_ns that was empty at from_ns). */
int actor_lookup_span(uint32_t pid, uint64_t from_ns, uint64_t at_ns,
		      struct actor *a);
/* Set start_ns on ev from the actor of its guest_pid at its time, when
 * known and not already set. */
void actor_stamp(struct event *ev);
