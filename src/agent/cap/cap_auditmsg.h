/*
 * cap_auditmsg.h: the audit netlink protocol as the capability probe
 * speaks it: request framing, the rules it adds, and pure parsers of what
 * comes back (control replies and AUDIT_SYSCALL text records).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Fields of an AUDIT_SYSCALL record the probe uses. */
struct audit_rec {
	uint64_t sec;		/* audit(SEC.MS:SERIAL): wall-clock stamp */
	uint32_t ms;
	uint64_t serial;
	uint32_t arch;
	uint32_t syscall;
	int64_t exit;		/* the syscall's return value (-errno) */
	uint32_t pid, uid;
	uint8_t comm_len;
	char comm[16];		/* decoded: quoted or hex in the record */
};

/* Parse the text of an AUDIT_SYSCALL record (n bytes, NULs end it).
 * Returns 0, or -1 when the stamp or any of arch, syscall, exit, pid, uid
 * is missing or malformed.  A missing comm is empty.  Pure. */
int audit_parse_syscall(const char *s, size_t n, struct audit_rec *r);

struct event;

/* Fill a capability.denied event from a parsed record; errno is -exit
 * when exit is an error return (-1 .. -4095), else 0. */
void audit_event(const struct audit_rec *r, struct event *ev,
		 uint64_t mono_ns);

/* A cursor over one datagram from the audit socket. */
struct audit_it {
	const uint8_t *buf;
	size_t len;
	size_t off;
};

/* One message: its type, sequence number and payload.  Kernel records
 * (type >= 1100) carry a wrong nlmsg_len (the payload's length, a
 * long-standing quirk): their payload is the rest of the datagram.
 * Returns 1 with a message, 0 at the end, -1 malformed.  Pure. */
int audit_next(struct audit_it *it, uint16_t *type, uint32_t *seq,
	       const uint8_t **payload, size_t *plen);

/* Frame a request of type with flags (NLM_F_REQUEST is added) around
 * payload into buf.  Returns its length, 0 when cap is too small.  Pure. */
size_t audit_msg(uint8_t *buf, size_t cap, uint16_t type, uint16_t flags,
		 uint32_t seq, const void *payload, size_t plen);

/* The probe's rule for one arch: exit filter, action always, every
 * syscall, fields arch == arch and exit == -EPERM.  Writes a struct
 * audit_rule_data into buf, returns its size (0: cap too small).  Pure. */
size_t audit_rule(void *buf, size_t cap, uint32_t arch);
/* The probe's second rule: never,exclude for message types 1301-1399,
 * the auxiliary records of a syscall event (PATH, CWD, PROCTITLE, EOE,
 * ...) the probe does not read: a denial then costs the kernel one record
 * instead of up to five.  AUDIT_SYSCALL (1300) itself passes.  Pure. */
size_t audit_rule_exclude(void *buf, size_t cap);
