/*
 * conn.h: the per-connection frame reader of the host.
 *
 * A pure function over bytes: conn_feed takes whatever read(2) returned,
 * cuts it into frames (doc/WIRE.md §2) and hands each one, decoded or with its
 * named error, to a callback.  A frame split across reads waits in a fixed
 * buffer of one whole frame inside struct conn_rd; nothing is allocated.
 * It does not know sockets, cells, seqs or JSON: the caller does.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "wire/event.h"

/* Called once per frame: err is 0 and ev the decoded event, or err is a
 * negative wire error (ev is then NULL).  n is the frame's length on the
 * stream (prefix included): for FrameTooLarge the length its prefix
 * claims, for a tail at the end (ShortHeader, FrameTruncated) the bytes
 * that were there. */
typedef void conn_frame_fn(void *arg, int err, const struct event *ev,
			   size_t n);

struct conn_rd {
	uint32_t len;			/* bytes of a partial frame in buf */
	uint8_t dead;			/* FrameTooLarge seen: stream untrusted */
	uint8_t buf[WIRE_MAX_FRAME];
};

/* Start a reader for a new connection. */
void conn_init(struct conn_rd *r);

/* Feed n bytes.  Returns 0, or WIRE_E_FRAME_TOO_LARGE once a length
 * prefix is above WIRE_MAX_BODY (reported through fn first): the caller
 * then closes the connection; a dead reader ignores further bytes.
 * scratch holds each decoded event while fn runs. */
int conn_feed(struct conn_rd *r, const uint8_t *p, size_t n,
	      struct event *scratch, conn_frame_fn *fn, void *arg);

/* The stream ended: a partial frame left in the reader is reported as
 * ShortHeader (< 4 bytes) or FrameTruncated.  Returns that error or 0. */
int conn_end(struct conn_rd *r, conn_frame_fn *fn, void *arg);
