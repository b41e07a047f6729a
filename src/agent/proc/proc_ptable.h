/*
 * proc_ptable.h: the process probe's fixed table of live processes,
 * keyed by pid: what it knew at fork/exec (ppid, start time, comm, uid),
 * so an exit can be reported with them after /proc/PID is gone, and any
 * probe can name the actor of its events (actor.h).
 *
 * Open addressing with linear probing over caller storage; never grows.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

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
	struct ptable_ent *slot;
	size_t cap;		/* a power of two */
	size_t used;
};

void ptable_init(struct ptable *t, struct ptable_ent *slots, size_t cap);
struct ptable_ent *ptable_get(struct ptable *t, uint32_t pid);
/* The entry for pid, added (zeroed) when new; NULL when the table is at
 * its load limit (3/4 of cap, which keeps probe sequences short). */
struct ptable_ent *ptable_put(struct ptable *t, uint32_t pid, int *added);
void ptable_del(struct ptable *t, uint32_t pid);
/* Remove every entry whose gen differs from gen, calling fn on each
 * first; returns how many went. */
size_t ptable_sweep(struct ptable *t, uint32_t gen,
		    void (*fn)(void *ctx, const struct ptable_ent *e),
		    void *ctx);
