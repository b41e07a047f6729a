/*
 * stamp.c: gap and duplicate detection over one instance's seqs (see
 * stamp.h for the rules).  The ahead table is tiny and kept sorted; when
 * it overflows, its lowest range is forced in: the holes below it become
 * gaps, so memory stays fixed whatever a guest sends.
 */
#include <string.h>
#include "stamp.h"

void stamp_start(struct stamp_inst *in, int known, uint64_t base)
{
	in->known = (uint8_t)known;
	in->base = base;
	in->nahead = 0;
}

/* 1 when seq is below base or inside an ahead range. */
static int resolved(const struct stamp_inst *in, uint64_t seq)
{
	unsigned i;

	if (seq < in->base)
		return 1;
	for (i = 0; i < in->nahead; i++)
		if (seq >= in->ahead[i].first && seq < in->ahead[i].end)
			return 1;
	return 0;
}

static void add_gap(struct stamp_verdict *v, uint64_t first, uint64_t end)
{
	if (first < end && v->ngaps < HOST_SEQ_AHEAD + 1) {
		v->gap[v->ngaps].first = first;
		v->gap[v->ngaps].end = end;
		v->ngaps++;
	}
}

/* Drop ahead ranges that base reached, moving base past them. */
static void absorb(struct stamp_inst *in)
{
	while (in->nahead > 0 && in->ahead[0].first <= in->base) {
		if (in->ahead[0].end > in->base)
			in->base = in->ahead[0].end;
		in->nahead--;
		memmove(&in->ahead[0], &in->ahead[1],
			in->nahead * sizeof(in->ahead[0]));
	}
}

/* Move base to `to`: the unresolved seqs below it are gaps. */
static void advance(struct stamp_inst *in, uint64_t to,
		    struct stamp_verdict *v)
{
	unsigned i;

	for (i = 0; i < in->nahead && in->ahead[i].first < to; i++) {
		add_gap(v, in->base, in->ahead[i].first);
		in->base = in->ahead[i].end;
	}
	add_gap(v, in->base, to);
	if (to > in->base)
		in->base = to;
	absorb(in);
}

static void insert(struct stamp_inst *in, uint64_t first, uint64_t end,
		   struct stamp_verdict *v);

/* The ahead table is full and [first, end) merges with none of it: move
 * base up to the lower of it and the lowest range (the holes below become
 * gaps), then place what is left. */
static void force(struct stamp_inst *in, uint64_t first, uint64_t end,
		  struct stamp_verdict *v)
{
	if (first < in->ahead[0].first) {
		advance(in, first, v);
		in->base = end;
		absorb(in);
		return;
	}
	advance(in, in->ahead[0].first, v);
	insert(in, first, end, v);
}

/* Insert [first, end) above base into the ahead table, merged. */
static void insert(struct stamp_inst *in, uint64_t first, uint64_t end,
		   struct stamp_verdict *v)
{
	struct stamp_range *a = in->ahead;
	unsigned i = 0, j;

	while (i < in->nahead && a[i].end < first)
		i++;
	for (j = i; j < in->nahead && a[j].first <= end; j++) {
		first = a[j].first < first ? a[j].first : first;
		end = a[j].end > end ? a[j].end : end;
	}
	if (j == i && in->nahead == HOST_SEQ_AHEAD) {
		force(in, first, end, v);
		return;
	}
	memmove(&a[i + 1], &a[j], (in->nahead - j) * sizeof(*a));
	in->nahead = (uint8_t)(in->nahead - (j - i) + 1);
	a[i].first = first;
	a[i].end = end;
}

void stamp_frame(struct stamp_inst *in, uint64_t seq, int cls,
		 struct stamp_verdict *v)
{
	v->dup = 0;
	v->ngaps = 0;
	if (!in->known)
		stamp_start(in, 1, seq);
	if (resolved(in, seq)) {
		v->dup = cls != STAMP_HELLO;
		return;
	}
	if (seq == in->base) {
		in->base++;
		absorb(in);
	} else if (cls == STAMP_DATA) {
		advance(in, seq, v);
		in->base = seq + 1;
		absorb(in);
	} else {
		insert(in, seq, seq + 1, v);
	}
}

void stamp_lost(struct stamp_inst *in, uint64_t first, uint64_t count,
		struct stamp_verdict *v)
{
	uint64_t end = first + count < first ? UINT64_MAX : first + count;

	v->dup = 0;
	v->ngaps = 0;
	if (!in->known || count == 0)
		return;
	if (end <= in->base)
		return;
	if (first <= in->base) {
		in->base = end;
		absorb(in);
		return;
	}
	insert(in, first, end, v);
}

int stamp_ackable(const struct stamp_inst *in, uint64_t *seq)
{
	if (!in->known || in->base == 0)
		return -1;
	*seq = in->base - 1;
	return 0;
}
