/*
 * host.h: the receiver's state: cells, connections, counters, and the
 * shared context the per-frame code (recv.c, emit.c) works on.
 *
 * Types only.  Every table is sized at set-up from caps.h; connections
 * come from a fixed pool (serve.c), never from a per-frame allocation.
 */
#pragma once
#include <stdint.h>
#include "ce.h"
#include "conn.h"
#include "gclock.h"
#include "hook.h"
#include "keepalive.h"
#include "lib/caps.h"
#include "model.h"
#include "out.h"
#include "polset.h"
#include "stamp.h"
#include "wire/event.h"
#include "wire/werr.h"

struct cell_stats {
	uint64_t conns;			/* accepted */
	uint64_t refused;		/* closed at once: HOST_MAX_CONNS open */
	uint64_t open;			/* open now */
	uint64_t frames;		/* whole frames, good or not */
	uint64_t bytes;			/* bytes read */
	uint64_t events[PS_COUNT];	/* guest events written, by source */
	uint64_t rejects[WIRE_NDECODE_ERR + 1];	/* by -error */
	uint64_t gaps;			/* seq gaps the host found */
	uint64_t gap_seqs;		/* seqs in them */
	uint64_t losses;		/* agent.loss reports */
	uint64_t lost_seqs;		/* seqs in them */
	uint64_t dups;			/* replayed frames dropped */
	uint64_t silenced;		/* agent_silenced events */
	uint64_t acks;			/* ack frames sent */
	uint64_t lines;			/* lines made for this cell */
	uint64_t clock_jumps;		/* clock_jumped lines */
	uint64_t clamped;		/* event times that were their receipt */
};

struct host_cell {
	char id[HOST_CELL_ID_MAX + 1];
	const char *path;		/* AF_UNIX path we bound (NULL: vsock) */
	uint32_t cid;			/* vsock: the guest CID of this cell */
	int lfd;			/* its listening socket, or -1 */
	/* the agent instance of the last hello on this cell */
	struct stamp_inst inst;
	uint8_t has_inst;
	uint16_t boot_len;
	uint32_t agent_pid;
	uint32_t gen;			/* +1 per new instance */
	char boot_id[WIRE_SHORT_MAX];
	uint64_t hseq;			/* host-made ids so far */
	/* a connection that ended without agent.stopping, its slot held
	 * until its keep-alive window passes (agent_silenced) or the
	 * cell's agent says hello again; NULL: none */
	struct hconn *gone;
	struct model *model;		/* its processes; NULL: --process-slots 0 */
	struct cell_pol *pol;		/* its policy; NULL: none */
	struct cell_stats st;
};

struct hconn {
	int fd;				/* -1: slot free */
	struct host_cell *cell;
	uint8_t bound;			/* said hello: seqs follow cell->inst
					 * while gen == cell->gen */
	uint8_t silenced;		/* agent_silenced was written */
	uint8_t stopped;		/* agent.stopping came: a clean end */
	uint8_t acklen;			/* unsent bytes of an ack in ackbuf */
	uint8_t has_ack;
	uint8_t ack_wanted;		/* ack_want goes out once out.done
					 * reaches ack_mark (recv_ack) */
	uint64_t ack_sent;
	uint64_t ack_want;
	uint64_t ack_mark;
	uint64_t last_real;		/* realtime ns: last frame, or accept */
	uint32_t gen;			/* the cell instance hello bound it to */
	uint32_t agent_pid;		/* from its hello */
	uint16_t boot_len;
	char boot_id[WIRE_SHORT_MAX];
	struct stamp_inst own;		/* seqs before any hello, or after
					 * another hello took over the cell */
	struct ka_node ka;
	struct gclock clk;		/* its guest clock on the host's */
	uint8_t ackbuf[48];
	struct conn_rd rd;		/* last: the big part */
};

struct host {
	struct host_cell *cells;
	unsigned ncells;
	const char *run_id;
	char nonce[17];			/* per process: host-made ids */
	int ack;			/* --ack */
	uint64_t keepalive_ms;
	unsigned ancestors;		/* --ancestors */
	const char *extra;		/* --host-name, --label: JSON members
					 * for every line's data (ce.h) */
	size_t extra_len;
	struct out out;
	struct ka_list ka;
	uint64_t now_real, now_mono;	/* the batch being handled */
	char now[CE_TIME_LEN + 1];
	struct hconn *cur;		/* whose frames conn_feed reports */
	uint64_t refused_unknown;	/* vsock: a CID no cell has */
	uint64_t conns_peak;		/* pool slots in use at once, at most */
	struct event scratch;
	struct polset *pols;		/* --policy files; NULL: none */
	struct hook *hook;		/* --on-violation; NULL: none */
};
