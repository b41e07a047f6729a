/*
 * fs_actor.h: the acting process's keys on a file event: guest_comm,
 * exe, uid and start_ns.  start_ns (and uid, and comm once the process
 * is gone) from the process probe's table (actor.h); while the process
 * lives, its comm and exe from /proc/PID (current even when the table
 * has not yet seen an exec the kernel reported on another fd), its uid
 * from the owner of /proc/PID when the table does not know it.
 *
 * What /proc gave is kept for the rest of one drain of the fanotify
 * queue (FS_ACTOR_CACHE processes): a burst of one writer's records
 * costs its /proc reads once per drain, not once per record.
 */
#pragma once
#include <stdint.h>
#include "wire/event.h"

/* A drain starts: forget what the last one read. */
void fs_actor_begin(void);
/* Set the actor keys of ev for its pid, the process that had it at some
 * time in [from_ns, ev->mono_ns] (when the record can have been made). */
void fs_actor_keys(int procfd, uint64_t from_ns, struct event *ev);
