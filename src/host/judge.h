/*
 * judge.h: which rule kind an event is, what value the rules judge, and
 * the verdict (doc/POLICY.md "What is judged"):
 *
 *   connect  net.connect_attempted, net.connect_result: `dst`.  One
 *            connection makes both; a denied attempt is remembered (the
 *            last HOST_POLICY_PENDING per cell) and the result of the same
 *            pid and dst is then no second violation.  A result whose
 *            attempt was not seen (lost, or a mechanism that sends only
 *            outcomes) is judged itself.
 *   exec     process.exec: `exe`; without it argv[0], without that the
 *            comm (the violation says which it used).
 *   write    fs.* events by the table of judge.c: inotify mask bits
 *   read     (modify, close_write, create, delete, moved_from/to,
 *            delete_self, move_self: write; access, open: read), or the
 *            same words in an "ops" text key; the value is `path`, with
 *            "/" and `name` when the event names an entry.
 *
 * Pure: no I/O, no JSON; the caller writes the violation (emit.c).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "policy.h"
#include "wire/event.h"

/* Denied connect attempts not yet matched by their result. */
struct judge_pending {
	uint32_t pid;
	uint8_t len;
	char dst[WIRE_ADDR_MAX];
};

struct judge_ring {
	struct judge_pending e[HOST_POLICY_PENDING];
	unsigned next, n;
	uint64_t evicted;		/* forgotten before their result */
};

/* One deny rule an event matched. */
struct judge_verdict {
	int kind;			/* enum pol_kind */
	int rule;			/* index in the policy's rules */
	const char *value;		/* what was judged */
	size_t len;
	const char *from;		/* "dst", "exe", "argv0", "comm", "path" */
};

/* An fs event has both a write and a read op at most: two verdicts. */
#define JUDGE_MAX 2

/* Judge ev against p; the verdicts (deny rules matched) into out, their
 * values in buf (cap bytes, WIRE_TEXT_MAX + WIRE_NAME_MAX + 2 is enough).
 * Returns how many. */
int judge_event(const struct policy *p, struct judge_ring *ring,
		const struct event *ev, struct judge_verdict *out,
		char *buf, size_t cap);
/* The rule kinds an fs event's mask and ops text name (bit per kind). */
unsigned judge_fs_kinds(uint64_t mask, const char *ops, size_t n);
