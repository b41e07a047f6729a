/*
 * proc_ptable.c: fixed open-addressing pid table (proc_ptable.h): a
 * 16-bit index with backward-shift deletion (no tombstones, so lookups
 * stay short however long the agent runs) over dense entries.
 */
#include <string.h>
#include "proc_ptable.h"

static size_t home(const struct ptable *t, uint32_t pid)
{
	return (size_t)(pid * 2654435761u) & (t->cap - 1);
}

/* The pid in slot i (0: free). */
static uint32_t pid_at(const struct ptable *t, size_t i)
{
	return t->idx[i] ? t->ent[t->idx[i] - 1].pid : 0;
}

void ptable_init(struct ptable *t, struct ptable_ent *ents, size_t cap)
{
	t->ent = ents;
	t->cap = cap <= PTABLE_CAP_MAX ? cap : PTABLE_CAP_MAX;
	t->used = 0;
	memset(t->idx, 0, sizeof(t->idx));
}

/* The slot holding pid, or the free slot where it would go. */
static size_t find(const struct ptable *t, uint32_t pid)
{
	size_t i = home(t, pid);

	while (t->idx[i] && pid_at(t, i) != pid)
		i = (i + 1) & (t->cap - 1);
	return i;
}

struct ptable_ent *ptable_get(struct ptable *t, uint32_t pid)
{
	size_t i = find(t, pid);

	return pid && t->idx[i] ? &t->ent[t->idx[i] - 1] : NULL;
}

struct ptable_ent *ptable_put(struct ptable *t, uint32_t pid, int *added)
{
	size_t i = find(t, pid);
	struct ptable_ent *e;

	*added = 0;
	if (pid == 0)
		return NULL;
	if (t->idx[i])
		return &t->ent[t->idx[i] - 1];
	if (t->used + 1 > t->cap / 4 * 3)
		return NULL;
	e = &t->ent[t->used];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	t->idx[i] = (uint16_t)++t->used;
	*added = 1;
	return e;
}

/* Empty slot i and pull later entries of its cluster back toward home. */
static void unlink_slot(struct ptable *t, size_t i)
{
	size_t j = i, h, mask = t->cap - 1;

	for (;;) {
		t->idx[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!t->idx[j])
				return;
			h = home(t, pid_at(t, j));
			/* move j into the hole unless its home lies in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		t->idx[i] = t->idx[j];
		i = j;
	}
}

/* Remove the entry of slot i; the last entry moves into its place. */
static void remove_at(struct ptable *t, size_t i)
{
	size_t k = t->idx[i] - 1u, last = t->used - 1;

	unlink_slot(t, i);
	if (k != last) {
		t->ent[k] = t->ent[last];
		t->idx[find(t, t->ent[k].pid)] = (uint16_t)(k + 1);
	}
	t->used--;
}

void ptable_del(struct ptable *t, uint32_t pid)
{
	size_t i = find(t, pid);

	if (pid && t->idx[i])
		remove_at(t, i);
}

size_t ptable_sweep(struct ptable *t, uint32_t gen,
		    void (*fn)(void *ctx, const struct ptable_ent *e),
		    void *ctx)
{
	size_t k = 0, gone = 0;

	/* after a removal, entry k holds the one that was last: look again */
	while (k < t->used) {
		if (t->ent[k].gen != gen) {
			fn(ctx, &t->ent[k]);
			remove_at(t, find(t, t->ent[k].pid));
			gone++;
		} else {
			k++;
		}
	}
	return gone;
}
