/*
 * agentframes.h: the agent's own frames (doc/WIRE.md §4): agent.hello,
 * agent.heartbeat, agent.loss and agent.stopping, built as struct event.
 *
 * Pure: the caller passes in the identity, the clock reading and the
 * counters; nothing here reads the system.  The caller sets `seq` (hello
 * and loss frames have none: they are about the stream, not in it).
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"
#include "probe.h"
#include "wire/event.h"

/* Who is speaking: fixed at start-up. */
struct af_ident {
	uint32_t pid;
	size_t comm_len, boot_id_len, kernel_len;
	char comm[WIRE_COMM_MAX];
	char boot_id[WIRE_SHORT_MAX];
	char kernel[WIRE_KERNEL_MAX];
};

/* The counters of heartbeat and stopping frames. */
struct af_counters {
	uint32_t interval_ms;
	uint64_t emitted;		/* frames given a seq so far */
	uint64_t sent;			/* of those, delivered */
	uint64_t dropped[LOSS_N];
	uint64_t incomplete[INC_N];
	uint64_t ring_used, ring_hwm;
	uint64_t rss_kb, cpu_ns;
};

/* agent.hello for connection number `session`; `probes` from the registry. */
void af_hello(struct event *ev, const struct af_ident *id, uint64_t now,
	      uint64_t session, uint64_t resume_seq, uint64_t ring_bytes);
/* agent.heartbeat or agent.stopping (source), with the counters. */
void af_counters(struct event *ev, int source, const struct af_ident *id,
		 uint64_t now, const struct af_counters *c);
/* agent.loss: `count` frames from seq `first` lost for `reason`. */
void af_loss(struct event *ev, const struct af_ident *id, uint64_t now,
	     int reason, uint64_t first, uint64_t count);
