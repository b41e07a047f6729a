/*
 * keepalive.h: which connections have been silent for the keep-alive
 * window (doc/WIRE.md §6: agent_silenced, at most once per connection).
 *
 * Connections sit in one list ordered by their last frame (a frame moves
 * its connection to the tail), so the head always has the earliest
 * deadline: O(1) per frame, one timer for all.  A connection that has
 * been reported leaves the list.  Pure data structure: no clocks, no fds.
 */
#pragma once
#include <stdint.h>

struct ka_node {
	struct ka_node *prev;
	struct ka_node *next;
	uint64_t last;			/* monotonic ns of the last frame */
};

struct ka_list {
	struct ka_node head;		/* sentinel of a circular list */
	uint64_t window;		/* ns */
};

void ka_init(struct ka_list *l, uint64_t window_ns);
/* A frame (or the accept) at time now: (re)insert n at the tail. */
void ka_touch(struct ka_list *l, struct ka_node *n, uint64_t now);
/* Take n out (reported, or closed); harmless when it is not in. */
void ka_remove(struct ka_node *n);
/* The earliest deadline, or 0 when the list is empty. */
uint64_t ka_deadline(const struct ka_list *l);
/* The head if its deadline is <= now, taken out of the list; else NULL. */
struct ka_node *ka_expired(struct ka_list *l, uint64_t now);
/* The receiver did not read for d ns (it waited on its output): that
 * time is no guest's silence, so every deadline moves d later. */
void ka_shift(struct ka_list *l, uint64_t d);
