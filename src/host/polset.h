/*
 * polset.h: the policies of a run (--policy ID:FILE, --policy '*:FILE'):
 * each file loaded once, whichever cells follow it; per cell the
 * violation counters (in total and per rule) and the judge's memory of
 * denied connects.  SIGHUP loads every file again: one that no longer
 * parses keeps the rules it had (logged, counted); one that does
 * replaces them, and the per-rule counters of its cells start again
 * (their totals go on).
 */
#pragma once
#include <stdint.h>
#include "judge.h"
#include "policy.h"

struct host;

struct pol_src {
	const char *path;		/* as given on the command line */
	struct policy cur;		/* the rules in force */
	uint64_t reloads;		/* SIGHUP loads that replaced them */
	uint64_t reload_failed;		/* ...that failed: the old ones kept */
};

struct cell_pol {
	struct pol_src *src;
	uint64_t violations;		/* since start, across reloads */
	uint64_t *hits;			/* per rule of src->cur */
	unsigned nhits;
	struct judge_ring ring;
};

struct polset {
	struct pol_src *src;
	unsigned n;
};

/* Load every distinct file of paths[0..n): all or none.  0, or -1 with
 * "FILE:LINE:COLUMN: what" (or "FILE: why") in err. */
int polset_load(struct polset *ps, const char *const *paths, unsigned n,
		char *err, size_t cap);
/* The source of path (loaded by polset_load), or NULL. */
struct pol_src *polset_find(struct polset *ps, const char *path);
/* Make cell state following src; NULL out of memory. */
struct cell_pol *cellpol_new(struct pol_src *src);
/* A violation of rule `rule` on a cell. */
void cellpol_count(struct cell_pol *cp, int rule);
/* SIGHUP: load each file again (see above), for h's cells. */
void polset_reload(struct polset *ps, struct host *h);
