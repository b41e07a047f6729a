/*
 * emit.h: the lines the receiver writes, one function per kind.
 *
 * CloudEvents ids (unique per event; doc/WIRE.md §6):
 *   CELL/BOOT_ID/AGENT_PID/SEQ  a guest frame with a seq, on a
 *       connection whose hello gave a boot_id (agent_pid: the hello's
 *       guest_pid, so an agent restarted in the same boot does not reuse
 *       ids); a replayed frame gets the id it had, so consumers can
 *       dedupe too.  The telemetry_dropped made from an agent.loss frame
 *       takes that frame's id.
 *   CELL/hNONCE/N  everything else: strict v1.0 frames (no seq), frames
 *       before any hello, and host-made events (seq gaps, agent_silenced,
 *       frame_rejected).  NONCE is 16 random hex digits drawn when the
 *       receiver starts, N counts these events per cell from 1.
 * A guest can only make its own cell's ids collide (by lying in hello);
 * the cell prefix comes from the socket, never from the guest.
 */
#pragma once
#include <stddef.h>
#include "host.h"

/* A decoded guest event (type from its probe source). */
void emit_guest(struct host *h, struct hconn *c, const struct event *ev);
/* telemetry_dropped from the agent's own agent.loss frame. */
void emit_loss(struct host *h, struct hconn *c, const struct event *ev);
/* telemetry_dropped for seqs [r->first, r->end) the host never got. */
void emit_gap(struct host *h, struct hconn *c, const struct stamp_range *r);
/* frame_rejected: the error's name and the frame's length, no bytes. */
void emit_rejected(struct host *h, struct hconn *c, int err, size_t n);
/* agent_silenced: no frame for the keep-alive window. */
void emit_silenced(struct host *h, struct hconn *c);
/* clock_jumped: c's guest clock jumped (verdict of gclock_sample). */
void emit_clock(struct host *h, struct hconn *c, int verdict);
