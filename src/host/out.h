/*
 * out.h: the receiver's output: JSON lines into a bounded buffer, written
 * to one fd (stdout or --out FILE), each line signed first when a key is
 * set.
 *
 * A line leaves the buffer only once it is written whole (with --fsync:
 * and synced); until then it is held and written again later, so `done`
 * (the bytes written for good) is what an ack may rely on.  A write that
 * fails part-way leaves no partial line in a regular file: the file is cut
 * back to its last whole line (with --fsync: to its last synced byte) and
 * the rest is written again.  On a pipe, which cannot be cut, the rest of
 * the line follows on the retry; the cut is counted and logged.  Retries
 * back off from HOST_OUT_RETRY_MIN_MS to HOST_OUT_RETRY_MAX_MS.
 *
 * When the buffer is full and the output still fails, out_begin calls the
 * owner's wait hook, which blocks until the next retry (the receiver reads
 * nothing meanwhile, so the guests' sockets fill and the agents keep their
 * frames; memory never grows) or gives up (the receiver is stopping: the
 * line is lost, counted).  Writes block: a slow reader slows the receiver.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "sign.h"

struct out {
	int fd;
	int regular;			/* a regular file: cut back on failure */
	int fsync;			/* --fsync: done once synced */
	const char *path;		/* --out FILE, reopened on SIGHUP; NULL:
					 * stdout, never reopened */
	const struct sign_key *key;	/* NULL: unsigned lines */
	/* the buffer is full and writes fail: wait until `until` (monotonic
	 * ns), 0 to try again, -1 to give up; NULL: give up at once */
	int (*wait)(void *ctx, uint64_t until);
	void *wait_ctx;
	char *buf;
	size_t cap;
	size_t len;			/* buf[0..len): lines not done */
	size_t wrote;			/* buf[0..wrote) is in the output but not
					 * done: unsynced, or a line cut on a pipe */
	unsigned held;			/* lines in buf */
	int stalled;			/* the last attempt failed */
	uint64_t retry_at;		/* monotonic ns of the next attempt */
	uint64_t backoff_ms;
	uint64_t made;			/* bytes of lines made, ever */
	uint64_t done;			/* of them, written (and synced) */
	uint64_t recovered;		/* attempts that ended a stall */
	int last_errno;
	uint64_t lines;			/* lines done */
	uint64_t bytes;			/* bytes written */
	uint64_t errors;		/* failed write(2) or fsync(2) calls */
	uint64_t truncated;		/* cut back to the last whole line */
	uint64_t cut;			/* a partial line left in the output */
	uint64_t lost;			/* lines never written: given up */
	uint64_t overflow;		/* lines too long to format (never seen) */
	uint64_t syncs;			/* fsync calls that succeeded */
	uint64_t reopens;		/* SIGHUP reopens that succeeded */
};

/* Set up with a caller's buffer of cap bytes (>= 2 * HOST_LINE_MAX) on an
 * open fd; the caller may then set path, fsync and the wait hook. */
void out_init(struct out *o, int fd, char *buf, size_t cap,
	      const struct sign_key *key);
/* Open PATH for appending (created 0644); with sync, the folder holding
 * it is synced too, so the file itself survives a crash.  fd or -1. */
int out_open(const char *path, int sync);
/* Start a line: j writes into the free room (writing held lines first,
 * and waiting, while less than a whole line is free).  -1 when the wait
 * hook gave up: the line is lost (counted), j must not be used. */
int out_begin(struct out *o, struct json_buf *j);
/* Finish the line j wrote: sign it, add the newline.  -1 when it did not
 * fit (counted in overflow, the line dropped). */
int out_commit(struct out *o, struct json_buf *j);
/* 1 when held lines may be written now: there are some, and no backoff
 * is pending at monotonic time now. */
int out_due(const struct out *o, uint64_t now);
/* Write (and sync) what is held, now.  0 when every line is done, -1
 * when some are still held (o->stalled; try again at o->retry_at). */
int out_flush(struct out *o);
/* SIGHUP: write what can go to the old file, then open path again (the
 * logrotate convention).  1: stdout, nothing to reopen; 0 done; -1 the
 * open failed (logged; the old fd stays). */
int out_reopen(struct out *o);
/* The end: what is still held is lost (counted, logged). */
void out_close(struct out *o);
