/*
 * model.h: a cell's processes, built from its stream alone (doc/WIRE.md
 * §6 "Process blocks"): who acted, running what, started by whom.
 *
 * An instance is (pid, start_ns): process.spawned makes one (its parent
 * the instance of ppid alive at start_ns; exe, argv, cwd and uid copied
 * from it, as fork copies them, unless the event names its own), exec
 * renames it, exited ends it.  The start-up inventory's spawned events
 * (synthetic) name no parent's image: what they do not carry is unknown.
 * Any other event is matched to the instance of its guest_pid alive at
 * its stamp (by start_ns, when it carries one); none: unknown, counted.
 * Two start_ns within HOST_MODEL_START_SLACK_MS are one instance (the
 * /proc inventory counts in clock ticks).  A pid seen spawned again while
 * its instance lives replaces it (the exit was lost): counted, never
 * mixed.
 *
 * Memory is fixed at set-up: `cap` instances and 2 * cap string chunks
 * (pstr.h).  When full, the oldest exited instance goes first, then the
 * least recently active live one; every eviction is counted.  Nothing
 * here knows JSON, sockets or clocks: the host feeds events (emit.c,
 * block.c print).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "pstr.h"
#include "wire/event.h"

/* The texts an instance keeps; the wire keys a host may not know yet
 * (cwd, interp) are found by name when the model starts. */
enum model_text { MT_EXE, MT_ARGV, MT_CWD, MT_INTERP, MT_COUNT };

#define MP_USED		0x01
#define MP_EXITED	0x02
#define MP_SIGNALED	0x04		/* status is a signal number */
#define MP_REPLACED	0x08		/* a new instance took its pid */
#define MP_UID		0x10		/* uid is known */
#define MP_CUT		0x20		/* a text was cut to fit */

struct model_proc {
	uint64_t start_ns;		/* guest monotonic fork time, 0 unknown */
	uint64_t pstart_ns;		/* its parent's start_ns, 0 unknown */
	uint64_t exit_ns;		/* guest monotonic of the exit */
	uint32_t pid, ppid, uid;
	uint32_t born;			/* order made: the newest of a pid wins */
	uint16_t text[MT_COUNT];	/* pstr ids, 0 unknown */
	uint16_t hnext;			/* pid hash chain: slot + 1 */
	uint16_t prev, next;		/* age list: slot + 1 */
	uint8_t flags;			/* MP_* */
	uint8_t status;			/* exit code or signal */
};

struct model_stats {
	uint64_t made;			/* instances made */
	uint64_t evicted_exited;	/* exited instances evicted for room */
	uint64_t evicted_live;		/* live ones (the table held no exited) */
	uint64_t unknown;		/* events whose process was unknown */
	uint64_t unknown_parent;	/* known process, parent unknown */
	uint64_t replaced;		/* a live instance's pid spawned again */
	uint64_t text_full;		/* a text that found no room */
	uint64_t resets;		/* a new boot emptied the model */
	unsigned used, peak;		/* instances held now, at most */
};

/* What one event is about, once the model has taken it. */
struct model_view {
	int about;			/* 0: the event names no process */
	const struct model_proc *proc;	/* the instance, NULL unknown */
	uint32_t pid;
	uint64_t start_ns;		/* 0 unknown */
	const struct model_proc *parent; /* NULL unknown */
	uint32_t ppid;			/* 0: none known */
	uint64_t pstart_ns;		/* 0 unknown */
	int has_duration;		/* process.exited with a known start */
	uint64_t duration_ns;
};

struct model {
	struct model_proc *p;
	uint16_t *bucket;		/* by pid: slot + 1 */
	unsigned cap, nbuckets;
	uint16_t free;			/* unused slots, by hnext */
	uint16_t live[2], dead[2];	/* age lists, oldest first: head, tail */
	uint32_t born;
	struct pstr str;
	struct model_stats st;
};

/* Set up cap instances (1..HOST_MODEL_PROCS_MAX); -1 out of memory. */
int model_init(struct model *m, unsigned cap);
/* Give the memory back. */
void model_free(struct model *m);
/* A new boot: forget every instance (counted). */
void model_reset(struct model *m);
/* Take one guest event; fills v with what it is about. */
void model_event(struct model *m, const struct event *ev,
		 struct model_view *v);
/* The instance of pid alive at guest time t, by start_ns when not 0. */
const struct model_proc *model_find(struct model *m, uint32_t pid,
				    uint64_t start_ns, uint64_t t);
/* The parent of instance p (resolved and remembered), NULL unknown. */
const struct model_proc *model_parent(struct model *m,
				      const struct model_proc *p);
/* Text t of p into out (cap bytes at most): its length, 0 unknown. */
size_t model_text(const struct model *m, const struct model_proc *p,
		  int t, char *out, size_t cap);
