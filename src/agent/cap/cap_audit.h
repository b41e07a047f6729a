/*
 * probe_cap.h: the capability probe (capability.denied), opt-in,
 * loop-agnostic.
 *
 * The agent becomes the guest's audit daemon (AUDIT_SET pid), enables
 * audit, and adds one exit-filter rule per arch the kernel runs (x86_64
 * and i386 compat; aarch64 and arm): every syscall that returns -EPERM is
 * recorded, and each AUDIT_SYSCALL record becomes one event with the
 * syscall number, errno, pid, comm and uid.  A third rule excludes the
 * auxiliary records (PATH, CWD, PROCTITLE, EOE) nobody reads meanwhile.
 *
 *   open      set-up (synchronous netlink exchanges, bounded); -1 with
 *             pc->why ("audit pid held by 312", ...) for failed:<why>
 *   fd        the audit socket to poll for input
 *   readable  handle a bounded batch of records
 *   deadline  when tick wants to ask the kernel for `lost` again
 *   losses    audit's own `lost` counter since open (kernel-side drops)
 *   close     remove the rules, restore what audit was (enabled, backlog),
 *             release the audit pid, hand out records still queued
 *
 * Cost: with a rule, every syscall of every task created after audit was
 * enabled goes through audit's syscall entry and exit paths.  Records of
 * tasks that existed before audit was first enabled are not seen.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "wire/event.h"

/* Rules: the exit rule for the native arch, for the compat arch, and the
 * exclude rule for the auxiliary records (audit.h). */
#define CAP_NRULES	3

struct probe_cap {
	int fd;
	uint32_t seq;
	int closed;
	uint8_t added[CAP_NRULES];	/* rules we added (or adopted) */
	/* audit as we found it, restored at close */
	uint32_t prev_enabled, prev_backlog_limit, prev_backlog_wait;
	uint32_t lost0, lost;		/* kernel `lost` at open, latest */
	uint64_t next_get_ns;
	uint64_t last_ns;		/* stamps never go backwards */
	uint64_t emitted;
	uint64_t errors;		/* unparsable records, socket errors */
	char why[MECH_WHY_MAX];
	void (*emit)(void *ctx, const struct event *ev);
	void *ctx;
	struct event ev;
	uint8_t buf[CAP_NL_BUF];	/* one audit datagram */
};

int probe_cap_open(struct probe_cap *pc,
		   void (*emit)(void *ctx, const struct event *ev), void *ctx);
/* "armed", or "failed:<why>" after a failed open, in buf. */
const char *probe_cap_status(const struct probe_cap *pc, char *buf,
			     size_t cap);
int probe_cap_fd(const struct probe_cap *pc);
void probe_cap_readable(struct probe_cap *pc);
uint64_t probe_cap_deadline(const struct probe_cap *pc);
void probe_cap_tick(struct probe_cap *pc, uint64_t now);
size_t probe_cap_losses(const struct probe_cap *pc, const char **reason,
			uint64_t *count, size_t cap);
void probe_cap_close(struct probe_cap *pc);
