/*
 * recv.h: what the receiver does with a connection's bytes: frames ->
 * host stamp, hello and instance tracking, dedupe and gaps (stamp.c),
 * lines (emit.c), and the acks (--ack): an ack names only seqs whose
 * lines the output has written (out.h's done), never more.
 *
 * No sockets are opened or closed here (serve.c does that); the only I/O
 * is the small ack write on the connection's fd (and whatever out.c does
 * to find room for a line).  A test or fuzzer drives it with any fd (or
 * -1 without --ack).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "host.h"

/* Read the clocks for the batch about to be handled. */
void recv_clock(struct host *h);
/* A new connection on cell, fd already accepted. */
void recv_open(struct host *h, struct hconn *c, struct host_cell *cell,
	       int fd);
/* Bytes read from c.  -1: the stream is untrusted (FrameTooLarge): close. */
int recv_bytes(struct host *h, struct hconn *c, const uint8_t *p, size_t n);
/* The peer closed (or the receiver closes c): report a partial frame.
 * Returns 1 when c ended without agent.stopping after a hello and was
 * not yet silenced: it keeps its keep-alive deadline (an agent killed
 * or crashed is as silent as a hung one), so the caller must hold its
 * slot as cell->gone until recv_silence reports it or a hello on the
 * cell cancels it; else 0. */
int recv_close(struct host *h, struct hconn *c);
/* After the output was written: send c the ack its frames made due (the
 * highest seq all of whose lines are done; none once a line was lost),
 * and the rest of an ack the socket did not take. */
void recv_ack(struct host *h, struct hconn *c);
/* Write agent_silenced for every connection past its keep-alive window,
 * open or gone (see recv_close). */
void recv_silence(struct host *h);
