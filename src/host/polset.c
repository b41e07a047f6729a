/*
 * polset.c: the run's policy files and each cell's counters (polset.h).
 */
#include <stdlib.h>
#include <string.h>
#include "host.h"
#include "lib/log.h"
#include "polset.h"

struct pol_src *polset_find(struct polset *ps, const char *path)
{
	unsigned i;

	for (i = 0; i < ps->n; i++)
		if (!strcmp(ps->src[i].path, path))
			return &ps->src[i];
	return NULL;
}

int polset_load(struct polset *ps, const char *const *paths, unsigned n,
		char *err, size_t cap)
{
	unsigned i;

	ps->n = 0;
	if (!(ps->src = calloc(n ? n : 1, sizeof(*ps->src))))
		return -1;
	for (i = 0; i < n; i++) {
		if (polset_find(ps, paths[i]))
			continue;
		ps->src[ps->n].path = paths[i];
		if (policy_load(&ps->src[ps->n].cur, paths[i], err, cap) != 0)
			return -1;	/* set-up: the caller exits */
		ps->n++;
	}
	return 0;
}

struct cell_pol *cellpol_new(struct pol_src *src)
{
	struct cell_pol *cp = calloc(1, sizeof(*cp));

	if (!cp)
		return NULL;
	cp->src = src;
	if (!(cp->hits = calloc(src->cur.nrules + 1, sizeof(*cp->hits)))) {
		free(cp);
		return NULL;
	}
	cp->nhits = src->cur.nrules;
	return cp;
}

void cellpol_count(struct cell_pol *cp, int rule)
{
	cp->violations++;
	if (rule >= 0 && (unsigned)rule < cp->nhits)
		cp->hits[rule]++;
}

/* The new rules of src are in force: its cells' per-rule counters
 * start again (none per rule when memory is short). */
static void restart_hits(struct pol_src *src, struct host *h)
{
	struct cell_pol *cp;
	uint64_t *hits;
	unsigned i;

	for (i = 0; i < h->ncells; i++) {
		if (!(cp = h->cells[i].pol) || cp->src != src)
			continue;
		hits = calloc(src->cur.nrules + 1, sizeof(*hits));
		free(cp->hits);
		cp->hits = hits;
		cp->nhits = hits ? src->cur.nrules : 0;
	}
}

void polset_reload(struct polset *ps, struct host *h)
{
	struct policy fresh;
	char err[512];
	unsigned i;
	int rc;

	for (i = 0; i < ps->n; i++) {
		struct pol_src *s = &ps->src[i];

		if ((rc = policy_load(&fresh, s->path, err, sizeof(err))) != 0) {
			s->reload_failed++;
			log_warnx("SIGHUP: %s; keeping the %u rules of %s loaded "
				  "before", err, s->cur.nrules, s->path);
			continue;
		}
		policy_free(&s->cur);
		s->cur = fresh;
		s->reloads++;
		restart_hits(s, h);
		log_warnx("SIGHUP: reloaded %s: %u rules", s->path, s->cur.nrules);
	}
}
