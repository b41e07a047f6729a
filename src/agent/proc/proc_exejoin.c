/*
 * proc_exejoin.c: exec chains (proc_exejoin.h).
 *
 * The table is small (PROC_PEND_MAX) and scanned linearly; a chain's
 * place in its pid's order is its seq.
 */
#include <string.h>
#include "proc_exejoin.h"

/* The kernel follows at most this many interpreters (BINPRM_MAX_RECURSION). */
#define SCRIPT_DEPTH_MAX 4

void exejoin_init(struct exejoin *j)
{
	memset(j, 0, sizeof(*j));
}

size_t exejoin_room(const struct exejoin *j)
{
	size_t i, n = 0;

	for (i = 0; i < PROC_PEND_MAX; i++)
		n += j->c[i].state == EJ_FREE;
	return n;
}

/* pid's newest (newest=1) or oldest chain, or NULL. */
static struct exejoin_chain *find(const struct exejoin *j, uint32_t pid,
				  int newest)
{
	const struct exejoin_chain *best = NULL, *c;
	size_t i;

	for (i = 0; i < PROC_PEND_MAX; i++) {
		c = &j->c[i];
		if (c->state == EJ_FREE || c->pid != pid)
			continue;
		if (!best || (newest ? c->seq > best->seq : c->seq < best->seq))
			best = c;
	}
	return (struct exejoin_chain *)best;
}

static void drop(struct exejoin *j, struct exejoin_chain *c)
{
	c->state = EJ_FREE;
	j->failed++;
}

/* A free slot, or the oldest chain's, dropped. */
static struct exejoin_chain *slot(struct exejoin *j)
{
	struct exejoin_chain *old = NULL;
	size_t i;

	for (i = 0; i < PROC_PEND_MAX; i++) {
		if (j->c[i].state == EJ_FREE)
			return &j->c[i];
		if (!old || j->c[i].seq < old->seq)
			old = &j->c[i];
	}
	drop(j, old);
	return old;
}

static void keep_file(struct exejoin_file *d, const struct exejoin_in *f)
{
	size_t n = f->path_len < sizeof(d->path) ? f->path_len : sizeof(d->path);

	memcpy(d->path, f->path, n);
	d->len = (uint16_t)n;
	d->cut = n < f->path_len;
	d->deleted = (uint8_t)f->deleted;
	d->has_sha = f->sha != NULL;
	d->hash_skipped = (uint8_t)f->hash_skipped;
	if (f->sha)
		memcpy(d->sha, f->sha, sizeof(d->sha));
}

/* After file f became c's image (an ELF) or its script: what comes next. */
static uint8_t next_state(struct exejoin_chain *c, const struct exejoin_in *f)
{
	if (f->h.kind == EXEHDR_ELF) {
		c->img_dev = f->dev, c->img_ino = f->ino;
		return f->h.interp ? EJ_WANT_ELF : EJ_DONE;
	}
	if (f->h.kind == EXEHDR_SCRIPT && c->depth++ <= SCRIPT_DEPTH_MAX) {
		c->want_len = (uint16_t)(f->name_len < sizeof(c->want) ?
					 f->name_len : 0);
		memcpy(c->want, f->name, c->want_len);
		return EJ_WANT_ANY;
	}
	return EJ_FAILED;			/* ENOEXEC */
}

/* Remember f as an ELF interpreter (ld.so). */
static void note_interp(struct exejoin *j, const struct exejoin_in *f)
{
	unsigned i;

	for (i = 0; i < PROC_INTERP_IDS; i++)
		if (j->interp_id[i][0] == f->dev && j->interp_id[i][1] == f->ino)
			return;
	i = j->interp_next++ % PROC_INTERP_IDS;
	j->interp_id[i][0] = f->dev;
	j->interp_id[i][1] = f->ino;
}

/* Was f seen as an ELF interpreter? */
static int was_interp(const struct exejoin *j, const struct exejoin_in *f)
{
	unsigned i;

	for (i = 0; i < PROC_INTERP_IDS; i++)
		if (j->interp_id[i][0] == f->dev && j->interp_id[i][1] == f->ino)
			return 1;
	return 0;
}

/* f as the interpreter c waits for, when it can be: 1 when joined. */
static int join_interp(struct exejoin *j, struct exejoin_chain *c,
		       const struct exejoin_in *f)
{
	if (c->state == EJ_WANT_ELF) {
		/* load_elf_interp takes an ELF and ignores its PT_INTERP: one
		 * that names an interpreter itself is never an ld.so */
		if (f->h.kind != EXEHDR_ELF || f->h.interp)
			return 0;
		c->state = EJ_DONE;
		note_interp(j, f);
	} else if (c->state == EJ_WANT_ANY) {
		if (f->not_interp)
			return 0;
		c->state = next_state(c, f);
	} else {
		return 0;
	}
	if (c->nfiles++ == 1)
		keep_file(&c->interp, f);
	return 1;
}

const char *exejoin_wants(const struct exejoin *j, uint32_t pid, size_t *len)
{
	const struct exejoin_chain *c = find(j, pid, 1);

	if (!c || c->state != EJ_WANT_ANY || c->want_len == 0)
		return NULL;
	*len = c->want_len;
	return c->want;
}

void exejoin_file(struct exejoin *j, const struct exejoin_in *f)
{
	struct exejoin_chain *c = find(j, f->pid, 1);

	if (c && join_interp(j, c, f))
		return;
	if (c && (c->state == EJ_WANT_ELF || c->state == EJ_WANT_ANY))
		c->state = EJ_FAILED;		/* its interpreter never came */
	c = slot(j);
	memset(c, 0, offsetof(struct exejoin_chain, want));
	c->pid = f->pid;
	c->seq = ++j->seq;
	c->seen_ns = f->seen_ns;
	c->nfiles = 1;
	keep_file(&c->exe, f);
	c->state = next_state(c, f);
	c->doubt = f->h.kind == EXEHDR_ELF && !f->h.interp && was_interp(j, f);
}

int exejoin_ready(const struct exejoin *j, uint32_t pid)
{
	const struct exejoin_chain *c = find(j, pid, 1);

	return c && c->state == EJ_DONE;
}

const struct exejoin_chain *exejoin_take(struct exejoin *j, uint32_t pid,
					 uint64_t start_ns)
{
	struct exejoin_chain *c;

	while ((c = find(j, pid, 0)) != NULL) {
		if (c->state == EJ_FAILED || c->seen_ns < start_ns) {
			drop(j, c);		/* failed, or an earlier process's */
			continue;
		}
		c->state = EJ_FREE;		/* an interpreter may be missing */
		return c;
	}
	return NULL;
}

int exejoin_more(const struct exejoin *j, uint32_t pid)
{
	size_t i;

	for (i = 0; i < PROC_PEND_MAX; i++)
		if (j->c[i].pid == pid && j->c[i].state != EJ_FREE &&
		    j->c[i].state != EJ_FAILED)
			return 1;
	return 0;
}

void exejoin_exit(struct exejoin *j, uint32_t pid, uint64_t exit_ns)
{
	size_t i;

	for (i = 0; i < PROC_PEND_MAX; i++)
		if (j->c[i].state != EJ_FREE && j->c[i].pid == pid &&
		    j->c[i].seen_ns < exit_ns)
			drop(j, &j->c[i]);
}

void exejoin_expire(struct exejoin *j, uint64_t before_ns)
{
	size_t i;

	for (i = 0; i < PROC_PEND_MAX; i++)
		if (j->c[i].state != EJ_FREE && j->c[i].seen_ns < before_ns)
			drop(j, &j->c[i]);
}
