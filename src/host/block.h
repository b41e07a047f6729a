/*
 * block.h: the `process`, `parent` and `ancestors` members of a guest
 * event's line (doc/WIRE.md §6 "Process blocks"), from the cell's model.
 *
 * A block names an instance: exec_id (cell/boot_id/pid/start_ns, the key
 * that joins events), pid, start_ns, start_time (its start on the host's
 * clock, once the connection's clock is set), then exe, argv, cwd,
 * interp and uid as far as the model knows them.  What it does not know
 * is left out, and an instance it does not know has exec_id "unknown"
 * (unless the event's own start_ns names it).  Members that would leave
 * too little room for the rest of the line are left out too, and the
 * block says "truncated":true: a line is never dropped for its blocks.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "gclock.h"
#include "json.h"
#include "model.h"

struct block_ctx {
	const char *cell;
	const char *boot;		/* the agent instance's boot id */
	size_t boot_len;		/* 0: unknown ("-" in exec_id) */
	struct model *m;
	const struct gclock *clk;
	uint64_t now_mono, now_real;	/* this read: for start_time */
	unsigned ancestors;		/* --ancestors */
};

#define BLOCK_ID_MAX (HOST_CELL_ID_MAX + WIRE_SHORT_MAX + 48)

/* The exec_id of (pid, start_ns) into out (BLOCK_ID_MAX bytes);
 * "unknown" when start_ns is 0. */
size_t block_exec_id(char *out, const struct block_ctx *x, uint32_t pid,
		     uint64_t start_ns);
/* The members for view v (model_event's): process, then parent when it
 * names one, then ancestors (beyond the parent, up to x->ancestors). */
void block_write(struct json_buf *j, const struct block_ctx *x,
		 const struct model_view *v);
