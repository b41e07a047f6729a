/*
 * loop.h: one event loop (doc/DESIGN.md §3 "One loop"): the agent's,
 * the host receiver's (src/host/serve.c), and the test tools' that drive
 * a probe alone.
 *
 * epoll over a signalfd, one timerfd kept at the earliest absolute
 * deadline of the registered timers, and the fds the owners add.  While
 * it runs epoll_wait is the only blocking call: a handler must not wait.
 * Callers own the storage of their fd and timer records; the loop keeps
 * pointers, so it never allocates.
 */
#pragma once
#include <signal.h>
#include <stdint.h>
#include "caps.h"
#include "coalesce.h"

struct loop;

/* One fd in the loop: fn runs with the epoll events that fired. */
struct loop_fd {
	int fd;
	void (*fn)(void *ctx, uint32_t events);
	void *ctx;
};

/* One deadline: `at` in CLOCK_MONOTONIC ns, 0 when off.  The owner sets
 * and clears `at` at will; fn runs once it has passed (with `at` cleared
 * first, so fn may set it again). */
struct loop_timer {
	uint64_t at;
	void (*fn)(void *ctx, uint64_t now);
	void *ctx;
};

/* An fd the kernel fills (a probe's netlink socket, inotify, a BPF ring),
 * read through the coalescing policy of coalesce.h: on readiness while
 * quiet, on a timer with EPOLLIN off under a burst.  The owner sets fd,
 * drain, ctx and cfg, then calls loop_add_coalesced instead of loop_add
 * (and loop_del_coalesced instead of loop_del):
 *
 *	f.fd = fd;
 *	f.drain = on_readable;		(reads a bounded batch, returns
 *					 { items, more, loss })
 *	f.cfg.max_ns = c->coalesce_ms * NS_PER_MS;
 *	f.cfg.capacity = items the kernel queues before it drops;
 *
 * The rest is the loop's. */
struct loop_cfd {
	int fd;
	struct coalesce_drain (*drain)(void *ctx);
	void *ctx;
	struct coalesce_cfg cfg;
	struct coalesce co;
	struct loop_fd lfd;
	struct loop_timer timer;
	struct loop *l;
};

struct loop {
	int ep, sfd, tfd;
	struct loop_fd sig, tim;
	uint64_t armed;			/* deadline the timerfd holds */
	int ntimers;
	struct loop_timer *timers[LOOP_TIMERS_MAX];
	void (*on_signal)(void *ctx, int signo);
	void (*before_wait)(void *ctx);	/* runs before each epoll_wait */
	void *ctx;
	int done;
};

/* Open epoll, a signalfd for `mask` (blocked here) and the timerfd. */
int loop_init(struct loop *l, const sigset_t *mask,
	      void (*on_signal)(void *ctx, int signo),
	      void (*before_wait)(void *ctx), void *ctx);
int loop_add(struct loop *l, struct loop_fd *f, uint32_t events);
int loop_mod(struct loop *l, struct loop_fd *f, uint32_t events);
int loop_del(struct loop *l, struct loop_fd *f);
/* Add a coalesced fd (it takes one of the loop's timers). */
int loop_add_coalesced(struct loop *l, struct loop_cfd *c);
/* Take it out of the loop; what a window held back is drained first (at
 * most a buffer's worth: cfg.capacity items).  Outside the loop too. */
void loop_del_coalesced(struct loop_cfd *c);
/* Register a timer for the loop's lifetime; -1 when the table is full. */
int loop_timer_add(struct loop *l, struct loop_timer *t);
/* Run until loop_stop; returns 0, or -1 if epoll itself failed.  It may
 * run again after it returned (the agent's shutdown does). */
int loop_run(struct loop *l);
/* Read the pending signals now and hand each to on_signal: for an owner
 * that waits outside loop_run (the host's blocked output). */
void loop_signals(struct loop *l);
/* Leave loop_run once the current pass is done. */
void loop_stop(struct loop *l);
/* Close what loop_init opened (the fds and timers added are their
 * owners').  The signals stay blocked: one that comes late must not kill
 * a process that is finishing. */
void loop_close(struct loop *l);
