/*
 * proc_ptable.c: fixed open-addressing pid table with backward-shift deletion
 * (no tombstones, so lookups stay short however long the agent runs).
 */
#include <string.h>
#include "proc_ptable.h"

static size_t home(const struct ptable *t, uint32_t pid)
{
	return (size_t)(pid * 2654435761u) & (t->cap - 1);
}

void ptable_init(struct ptable *t, struct ptable_ent *slots, size_t cap)
{
	t->slot = slots;
	t->cap = cap;
	t->used = 0;
	memset(slots, 0, cap * sizeof(*slots));
}

/* The slot holding pid, or the free slot where it would go. */
static size_t find(const struct ptable *t, uint32_t pid)
{
	size_t i = home(t, pid);

	while (t->slot[i].pid && t->slot[i].pid != pid)
		i = (i + 1) & (t->cap - 1);
	return i;
}

struct ptable_ent *ptable_get(struct ptable *t, uint32_t pid)
{
	size_t i = find(t, pid);

	return pid && t->slot[i].pid == pid ? &t->slot[i] : NULL;
}

struct ptable_ent *ptable_put(struct ptable *t, uint32_t pid, int *added)
{
	size_t i = find(t, pid);

	*added = 0;
	if (pid == 0)
		return NULL;
	if (t->slot[i].pid == pid)
		return &t->slot[i];
	if (t->used + 1 > t->cap / 4 * 3)
		return NULL;
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	t->slot[i].pid = pid;
	t->used++;
	*added = 1;
	return &t->slot[i];
}

/* Empty slot i and pull later entries of its cluster back toward home. */
static void remove_at(struct ptable *t, size_t i)
{
	size_t j = i, h, mask = t->cap - 1;

	t->used--;
	for (;;) {
		t->slot[i].pid = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!t->slot[j].pid)
				return;
			h = home(t, t->slot[j].pid);
			/* move j into the hole unless its home lies in (i, j] */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		t->slot[i] = t->slot[j];
		i = j;
	}
}

void ptable_del(struct ptable *t, uint32_t pid)
{
	size_t i = find(t, pid);

	if (pid && t->slot[i].pid == pid)
		remove_at(t, i);
}

size_t ptable_sweep(struct ptable *t, uint32_t gen,
		    void (*fn)(void *ctx, const struct ptable_ent *e),
		    void *ctx)
{
	size_t i = 0, gone = 0;

	/* after a removal, slot i may hold a shifted entry: look again */
	while (i < t->cap) {
		if (t->slot[i].pid && t->slot[i].gen != gen) {
			fn(ctx, &t->slot[i]);
			remove_at(t, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}
