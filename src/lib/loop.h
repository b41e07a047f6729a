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
