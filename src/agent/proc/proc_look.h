/*
 * proc_look.h: what /proc/PID still shows of a process, read as cheaply
 * as the kernel allows: one openat of the directory, everything else
 * relative to it: the uid from an fstat of that directory, comm,
 * cmdline, the cwd and exe links.
 *
 * Used at exec and for processes a /proc scan finds (the start-up
 * inventory).  A process that is gone, or that has since run another
 * program than the one the caller expects, shows nothing: better no
 * argv than another program's.
 */
#pragma once
#include <stdint.h>
#include "wire/event.h"

enum look_what {
	LOOK_UID = 1,		/* the owner of /proc/PID (see proc_look) */
	LOOK_COMM = 2,
	LOOK_ARGV = 4,		/* argv, argc, truncated */
	LOOK_CWD = 8,
	LOOK_EXE = 16,		/* readlink of /proc/PID/exe */
	LOOK_OTHER = 256,	/* result: it runs another file than img */
};

/* Read what of pid into ev (and its uid into *uid), each key only when
 * read.  With img_ino set, the process's exe must still be that file
 * (dev, ino), or nothing is read (LOOK_OTHER when it runs another).
 * Returns the LOOK_* bits it set.  The
 * uid is that of the /proc/PID directory: the effective uid, root for a
 * process the kernel made non-dumpable (a set-uid program). */
unsigned proc_look(int procfd, uint32_t pid, unsigned what, uint64_t img_dev,
		   uint64_t img_ino, struct event *ev, uint32_t *uid);
