/*
 * stamp.h: seq bookkeeping of one agent instance, as pure functions.
 *
 * seq is agent-lifetime (doc/WIRE.md §4).  The host keeps, per instance, a
 * contiguous mark `base` (every seq below it is written, or accounted
 * lost) and a few ranges above it that are already resolved: hello and
 * loss frames, which an agent may send ahead of older frames it replays
 * or of frames it still holds, and loss ranges it reported early.
 *
 *   STAMP_DATA   a probe or heartbeat frame: a seq above base means the
 *                frames in between are lost (a gap, reported once);
 *   STAMP_OOB    agent.loss: may come early, never opens a gap itself;
 *   STAMP_HELLO  agent.hello: like OOB, and never a duplicate (each
 *                connection's hello is new, never replayed).
 *
 * A frame whose seq is already resolved is a duplicate (a replay after a
 * reconnect) and is dropped.  A range the agent reported with agent.loss
 * is resolved before the gap check, so a loss the agent reported is not
 * counted again as a gap; only the part it did not report is.
 * Nothing here knows cells, sockets or JSON.
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"

enum stamp_class { STAMP_DATA, STAMP_OOB, STAMP_HELLO };

/* Seqs [first, end): resolved ahead of base, or a gap to report. */
struct stamp_range {
	uint64_t first;
	uint64_t end;
};

struct stamp_inst {
	uint8_t known;			/* base is meaningful */
	uint8_t nahead;
	uint64_t base;
	struct stamp_range ahead[HOST_SEQ_AHEAD]; /* sorted, disjoint, > base */
};

/* What to do with one frame: drop it, and the gaps to report first. */
struct stamp_verdict {
	int dup;
	unsigned ngaps;
	struct stamp_range gap[HOST_SEQ_AHEAD + 1];
};

/* A new instance: known=1 when its next seq is `base` (a first session
 * starts at 0), known=0 when the first frame seen will tell. */
void stamp_start(struct stamp_inst *in, int known, uint64_t base);

/* Account one frame with a seq; fills v. */
void stamp_frame(struct stamp_inst *in, uint64_t seq, int cls,
		 struct stamp_verdict *v);

/* The agent reported [first, first+count) lost; resolves that range.
 * Fills v with gaps only when the ahead table had to be forced. */
void stamp_lost(struct stamp_inst *in, uint64_t first, uint64_t count,
		struct stamp_verdict *v);

/* The highest seq an ack may name once the lines made so far are
 * written (every seq <= it resolved); -1 none.  The receiver never drops
 * a line it made (out.h holds it until written), so resolved here means
 * written, or about to be: replays of it are duplicates. */
int stamp_ackable(const struct stamp_inst *in, uint64_t *seq);
