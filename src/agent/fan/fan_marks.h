/*
 * fan_marks.h: fanotify marks on every file system this mount namespace
 * shows, kept up as mounts come and go.
 *
 * One FAN_MARK_FILESYSTEM mark per mount's file system (4.20+; a
 * FAN_MARK_MOUNT mark where that is refused), so that every file any
 * mount can reach is covered.  /proc/self/mountinfo is pollable: its fd
 * reports EPOLLPRI when the mount table changes; the owner puts it in
 * its loop and calls fan_marks_refresh, which marks the new mounts.
 * The kernel's internal file systems (memfd_create's tmpfs among them)
 * are in no mount table and refuse these marks: what they hold is not
 * seen.  Set-up and the refresh do blocking reads of /proc only.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"

struct fan_marks {
	int fan_fd;		/* the fanotify group */
	uint64_t mask;		/* the events the marks ask for */
	int info_fd;		/* /proc/self/mountinfo, or -1 */
	uint32_t n;		/* mount ids in id[] */
	uint32_t id[FAN_MOUNTS_MAX];	/* the mounts already marked */
	uint64_t marked;	/* marks made, all refreshes together */
	uint64_t refused;	/* mounts neither mark could cover */
	int err;		/* errno of the last refusal */
};

/* Mark every mount of /proc/self/mountinfo with mask on fan_fd; keeps the mountinfo fd open for the owner to poll.
 * 0, or -1 with why (mountinfo unreadable, or not one mark made). */
int fan_marks_open(struct fan_marks *m, int fan_fd, uint64_t mask, char *why,
		   size_t cap);
/* The mount table changed: mark the mounts not seen before.  Returns
 * how many marks it made, or -1 when mountinfo could not be read. */
int fan_marks_refresh(struct fan_marks *m);
/* Close the mountinfo fd (the marks go with the fanotify fd). */
void fan_marks_close(struct fan_marks *m);
