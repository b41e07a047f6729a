/*
 * stats.c: format the counters of host.h.  Only non-zero entries of the
 * per-source and per-error tables are listed, so the line stays short.
 * Lines are built in a stack buffer and written whole.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "stats.h"

#define U(x) ((unsigned long long)(x))

struct line {
	char b[2048];
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(l->b + l->n, sizeof(l->b) - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n += (size_t)k < sizeof(l->b) - l->n ? (size_t)k :
			sizeof(l->b) - l->n - 1;
}

/* The process model's counters of a cell. */
static void model_line(struct line *l, const struct model_stats *m)
{
	add(l, "; processes %u (peak %u) made %llu; evicted exited %llu live "
	    "%llu; unknown process %llu parent %llu; replaced %llu; text full "
	    "%llu; resets %llu", m->used, m->peak, U(m->made),
	    U(m->evicted_exited), U(m->evicted_live), U(m->unknown),
	    U(m->unknown_parent), U(m->replaced), U(m->text_full),
	    U(m->resets));
}

static void cell_line(const struct host_cell *c, int fd)
{
	const struct cell_stats *s = &c->st;
	struct line l = { .n = 0 };
	int i;

	add(&l, "cellos-telemetry-host: cell %s: conns %llu open %llu "
	    "refused %llu; frames %llu bytes %llu lines %llu; events",
	    c->id, U(s->conns), U(s->open), U(s->refused), U(s->frames),
	    U(s->bytes), U(s->lines));
	for (i = 1; i < PS_COUNT; i++)
		if (s->events[i])
			add(&l, " %s=%llu", ps_name(i), U(s->events[i]));
	add(&l, "; rejects");
	for (i = 1; i <= WIRE_NDECODE_ERR; i++)
		if (s->rejects[i])
			add(&l, " %s=%llu", wire_errname(-i), U(s->rejects[i]));
	add(&l, "; gaps %llu (%llu seqs); agent losses %llu (%llu seqs); "
	    "dups %llu; silenced %llu; acks %llu; clock jumps %llu clamped "
	    "%llu", U(s->gaps), U(s->gap_seqs), U(s->losses), U(s->lost_seqs),
	    U(s->dups), U(s->silenced), U(s->acks), U(s->clock_jumps),
	    U(s->clamped));
	if (c->model)
		model_line(&l, &c->model->st);
	if (c->pol)
		add(&l, "; violations %llu", U(c->pol->violations));
	add(&l, "\n");
	(void)!write(fd, l.b, l.n);
}

/* A cell's policy: its file, violations per rule that has some. */
static void policy_line(const struct host_cell *c, int fd)
{
	const struct cell_pol *cp = c->pol;
	const struct pol_src *src = cp->src;
	struct line l = { .n = 0 };
	unsigned i;

	add(&l, "cellos-telemetry-host: policy %s: %s, %u rules (reloaded %llu, "
	    "reload failed %llu): violations %llu; by rule", c->id, src->path,
	    src->cur.nrules, U(src->reloads), U(src->reload_failed),
	    U(cp->violations));
	for (i = 0; i < cp->nhits; i++)
		if (cp->hits[i])
			add(&l, " line %u=%llu", src->cur.rules[i].line,
			    U(cp->hits[i]));
	add(&l, "; connects forgotten before their result %llu\n",
	    U(cp->ring.evicted));
	(void)!write(fd, l.b, l.n);
}

static void hook_line(const struct hook *hk, int fd)
{
	const struct hook_stats *s = &hk->st;
	struct line l = { .n = 0 };

	add(&l, "cellos-telemetry-host: on-violation: started %llu running %u; "
	    "exited 0 %llu, failed %llu, timed out %llu; dropped busy %llu "
	    "rate %llu; spawn failed %llu; input short %llu\n", U(s->started),
	    hk->running, U(s->ok), U(s->failed), U(s->timed_out), U(s->busy),
	    U(s->rated), U(s->spawn_failed), U(s->input_short));
	(void)!write(fd, l.b, l.n);
}

void stats_print(const struct host *h, int fd)
{
	struct line l = { .n = 0 };
	const struct out *o = &h->out;
	unsigned i;

	for (i = 0; i < h->ncells; i++)
		cell_line(&h->cells[i], fd);
	for (i = 0; i < h->ncells; i++)
		if (h->cells[i].pol)
			policy_line(&h->cells[i], fd);
	if (h->hook)
		hook_line(h->hook, fd);
	add(&l, "cellos-telemetry-host: output: lines %llu bytes %llu; "
	    "held %u; write errors %llu%s%s; truncated %llu; cut %llu; "
	    "lost %llu; too long %llu; synced %llu; reopened %llu; "
	    "connections peak %llu of %d", U(o->lines), U(o->bytes), o->held,
	    U(o->errors), o->errors ? ", last: " : "",
	    o->errors ? strerror(o->last_errno) : "", U(o->truncated),
	    U(o->cut), U(o->lost), U(o->overflow), U(o->syncs),
	    U(o->reopens), U(h->conns_peak), HOST_MAX_CONNS);
	if (h->refused_unknown)
		add(&l, "; refused (unknown cid) %llu", U(h->refused_unknown));
	add(&l, "\n");
	(void)!write(fd, l.b, l.n);
}
