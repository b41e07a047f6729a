/*
 * cap_audit.h: the capability probe's kernel I/O: the agent as the
 * guest's audit daemon.
 *
 * It becomes the audit daemon (AUDIT_SET pid), enables audit, and adds
 * one exit-filter rule per arch the kernel runs (x86_64 and i386 compat;
 * aarch64 and arm): every syscall that returns -EPERM is recorded, and
 * each AUDIT_SYSCALL record becomes one capability.denied event with the
 * syscall number, errno, pid, comm and uid.  A third rule excludes the
 * auxiliary records (PATH, CWD, PROCTITLE, EOE) nobody reads meanwhile.
 *
 *   open   set-up: synchronous netlink exchanges, each bounded
 *   read   a bounded batch of records, for the loop
 *   tick   ask the kernel for `lost` again (AUDIT_GET), when due
 *   close  remove the rules, restore what audit was (enabled, backlog),
 *          release the audit pid, hand out records still queued: also
 *          synchronous, so it runs outside the loop (probe_ops.stop)
 *
 * Events go out through the probe; unparsable records and socket errors
 * count as probe_error, the kernel's own `lost` since open as audit_lost.
 *
 * Cost: with a rule, every syscall of every task created after audit was
 * enabled goes through audit's syscall entry and exit paths.  Records of
 * tasks that existed before audit was first enabled are not seen.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "agent/probe.h"
#include "lib/caps.h"
#include "wire/event.h"

/* Rules: the exit rule for the native arch, for the compat arch, and the
 * exclude rule for the auxiliary records (cap_auditmsg.h). */
#define CAP_NRULES	3

struct cap_audit {
	struct probe *p;
	int fd;
	uint32_t seq;
	uint8_t added[CAP_NRULES];	/* rules we added (or adopted) */
	/* audit as we found it, restored at close */
	uint32_t prev_enabled, prev_backlog_limit, prev_backlog_wait;
	uint32_t lost0;			/* the kernel's `lost` at open */
	uint64_t next_get_ns;		/* when tick asks for `lost` again */
	char why[MECH_WHY_MAX];		/* why open failed */
	struct event ev;		/* the record being emitted */
	uint8_t buf[CAP_NL_BUF];	/* one audit datagram */
};

/* 0, or -1 with a->why ("audit pid held by pid 312", ...): audit is left
 * as it was then. */
int cap_audit_open(struct cap_audit *a, struct probe *p);
/* Handle at most CAP_BATCH datagrams; returns how many were read. */
unsigned cap_audit_read(struct cap_audit *a);
void cap_audit_tick(struct cap_audit *a, uint64_t now);
void cap_audit_close(struct cap_audit *a);
