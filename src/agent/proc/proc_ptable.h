/*
 * proc_ptable.h: the process probe's fixed table of live processes,
 * keyed by pid: what it knew at fork/exec (ppid, start time, comm, uid),
 * so an exit can be reported with them after /proc/PID is gone, and any
 * probe can name the actor of its events (actor.h).
 *
 * Open addressing with linear probing over an index of 16-bit slots, the
 * entries themselves dense at the front of the caller's storage (a
 * removal moves the last one into the hole): the pages of storage that
 * ever become resident are those of the most processes live at once, not
 * of every pid the hash ever scattered.  Never grows.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"

/* The most hash slots a table may have: the index is part of it. */
#define PTABLE_CAP_MAX	PROC_TABLE_CAP

struct ptable_ent {
	uint32_t pid;		/* 0: free slot */
	uint32_t ppid;
	uint64_t start_ns;
	uint32_t gen;		/* last /proc scan that saw it */
	uint32_t uid;
	uint8_t flags;		/* PTE_* */
	uint8_t comm_len;
	char comm[16];
};

enum {
	PTE_UID = 1,		/* uid is known */
	PTE_FORKED = 2,		/* start_ns is the connector's fork stamp (exact) */
};

struct ptable {
	struct ptable_ent *ent;	/* caller storage; live entries in [0, used) */
	size_t cap;		/* hash slots, a power of two <= PTABLE_CAP_MAX */
	size_t used;
	uint16_t idx[PTABLE_CAP_MAX];	/* slot: 1 + entry index; 0 free */
};

/* A table of cap slots over ents, which holds at least cap / 4 * 3
 * entries (the load limit); only those in use are ever written. */
void ptable_init(struct ptable *t, struct ptable_ent *ents, size_t cap);
struct ptable_ent *ptable_get(struct ptable *t, uint32_t pid);
/* The entry for pid, added (zeroed) when new; NULL when the table is at
 * its load limit (3/4 of cap, which keeps probe sequences short). */
struct ptable_ent *ptable_put(struct ptable *t, uint32_t pid, int *added);
void ptable_del(struct ptable *t, uint32_t pid);
/* Remove every entry whose gen differs from gen, calling fn on each
 * first; returns how many went.  (Entry pointers a get or put returned
 * are valid only until the next del or sweep.) */
size_t ptable_sweep(struct ptable *t, uint32_t gen,
		    void (*fn)(void *ctx, const struct ptable_ent *e),
		    void *ctx);
