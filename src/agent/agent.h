/*
 * agent.h: the agent's core: set-up, the run loop, and the one function
 * every probe emits through.
 *
 * agent_emit gives an event the next seq, encodes it with the configured
 * profile and pushes it into the ring; from there the transport writes
 * it.  Accounting (doc/WIRE.md §4): every frame given a seq is delivered,
 * or overwritten and counted under `ring_overwrite` (announced by an
 * agent.loss frame); an event that never got a seq (it did not encode,
 * or a probe lost it: struct probe's `dropped`) is counted under its own
 * reason.  So `emitted` == `sent` + `ring_overwrite` + frames still in
 * the ring, exactly.
 */
#pragma once
#include <stddef.h>
#include "config.h"
#include "wire/event.h"

/* Everything that may fail: the ring, the loop, the transport, the
 * probes.  Returns -1 with the reason in why (then exit 1). */
int agent_setup(const struct config *c, char *why, size_t cap);

/* Run until SIGTERM/SIGINT, stop the probes, flush (bounded), close;
 * returns the exit code. */
int agent_run(void);

/* Emit one event: its `seq` is set here, and its guest_monotonic_ns
 * raised to the last one emitted if lower.  Returns 0, or -1 when it was
 * counted lost instead.  A probe_emit_fn (probe.h). */
int agent_emit(struct event *ev);
