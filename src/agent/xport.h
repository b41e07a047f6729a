/*
 * xport.h: the agent's transport (doc/DESIGN.md §3 "Transport", doc/WIRE.md §1, §5).
 *
 * A state x event table (idle, connecting, up, backoff) drives one stream
 * socket: connect, write from the ring with writev, read host acks,
 * notice hang-ups, back off exponentially with jitter and retry.  Every
 * connection starts with the hello frame the caller's hook encodes; a
 * pending loss is announced with the loss hook right where it belongs in
 * the stream.  Addresses are `vsock:CID:PORT` or `unix:PATH`; parsing
 * them is a pure function.  This file never decides what a frame says.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "lib/loop.h"
#include "ring.h"
#include "wire/event.h"

enum xport_kind { XPORT_NONE = 0, XPORT_UNIX, XPORT_VSOCK };

/* sun_path holds 108 bytes with its NUL. */
#define XPORT_PATH_MAX 107

struct xport_addr {
	int kind;
	uint32_t cid, port;
	char path[XPORT_PATH_MAX + 1];
};

/* Parse `vsock:CID:PORT` (decimal u32s) or `unix:PATH` (1..107 bytes, no
 * NUL).  Returns 0, or -1 when s is neither. */
int xport_parse_addr(struct xport_addr *a, const char *s, size_t n);

/* "vsock:2:9001" / "unix:/path", for logs. */
void xport_addr_str(const struct xport_addr *a, char *out, size_t cap);

/* The pause before retry number `attempt` (0 for the first): doubles from
 * XPORT_BACKOFF_MIN_MS to XPORT_BACKOFF_MAX_MS, then a random point in
 * its upper half from `rnd`.  In ns. */
uint64_t xport_backoff_ns(unsigned attempt, uint64_t rnd);

enum xport_state { XS_IDLE, XS_CONNECTING, XS_UP, XS_BACKOFF, XS_N };

/* What the owner supplies.  Both return a frame's length, 0 for "send
 * nothing" (strict profile), or < 0 (then nothing is sent either). */
struct xport_hooks {
	int (*hello)(void *ctx, uint64_t session, uint64_t resume_seq,
		     uint8_t *out, size_t cap);
	int (*loss)(void *ctx, uint64_t first, uint64_t count, uint8_t *out,
		    size_t cap);
	void *ctx;
};

struct xport_stats {
	uint64_t connects;		/* connections made (= session) */
	uint64_t failures;		/* connect attempts that failed */
	uint64_t hangups;		/* connections lost */
	uint64_t acks;			/* acks taken */
	uint64_t rx_bad;		/* host frames that did not decode */
};

struct xport {
	int state;
	int fd;
	int use_acks;			/* honour doc/WIRE.md §5 acks */
	struct xport_addr addr;
	struct ring *ring;
	struct loop *loop;
	struct xport_hooks hooks;
	struct loop_fd lfd;
	struct loop_timer timer;
	uint32_t want;			/* epoll events registered */
	unsigned attempt;
	uint64_t rnd;			/* xorshift state for the jitter */
	uint64_t up_since;
	size_t meta_len, meta_off;	/* hello or loss frame in flight */
	uint64_t meta_loss;		/* frames a loss frame announces */
	size_t rx_len;
	struct xport_stats st;
	uint8_t meta[WIRE_MAX_FRAME];
	uint8_t rx[XPORT_RX_BYTES];
	struct event rxev;
};

/* Set up (no I/O yet); the timer joins the loop.  seed feeds the jitter. */
int xport_init(struct xport *x, const struct xport_addr *a, struct ring *r,
	       struct loop *l, const struct xport_hooks *h, int use_acks,
	       uint64_t seed);
/* First connect attempt. */
void xport_start(struct xport *x);
/* Write what is waiting, if connected (called once per loop pass). */
void xport_flush(struct xport *x);
/* 1 when connected and nothing is left to write. */
int xport_idle(const struct xport *x);
/* Close the connection for good. */
void xport_stop(struct xport *x);
