/*
 * message.h: the one-line `message` and the `severity` of every line
 * (doc/WIRE.md §6 "Severity and message"), as pure functions into a
 * caller's buffer.  Messages are for people (like Falco's `output`): the
 * fields stay the data; nothing parses a message.
 *
 * Severities: "debug" (heartbeats), "info" (lifecycle, process, file and
 * network events), "notice" (capability denials), "warning" (loss,
 * silence, rejected frames, clock jumps); a policy violation has its
 * rule's ("notice", "warning", "error" by default, "critical").
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "wire/event.h"

/* Who acted, for the message: name is the exe when known, else the
 * comm; pname the parent's exe, or NULL. */
struct msg_who {
	uint32_t pid;			/* 0: the event names no process */
	const char *name;
	size_t name_len;
	uint32_t ppid;
	const char *pname;
	size_t pname_len;
	int has_duration;
	uint64_t duration_ns;
};

const char *msg_severity(int source);
/* The message of a guest event; its length (valid UTF-8, cut to cap). */
size_t msg_guest(char *out, size_t cap, const struct event *ev,
		 const struct msg_who *w);
/* Host events: an agent.loss report, a seq gap, a silence, a rejected
 * frame, a clock jump (by ns; ahead: the guest's clock ran ahead). */
size_t msg_loss(char *out, size_t cap, const struct event *ev);
size_t msg_gap(char *out, size_t cap, uint64_t first, uint64_t count);
size_t msg_silenced(char *out, size_t cap, uint64_t ms, const char *since);
size_t msg_rejected(char *out, size_t cap, const char *err, size_t bytes);
size_t msg_clock(char *out, size_t cap, int verdict, int64_t jump_ns);
/* A policy violation: who did `kind` on value, which rule denied it. */
size_t msg_violation(char *out, size_t cap, const struct msg_who *w,
		     const char *kind, const char *value, size_t vlen,
		     const char *file, unsigned line);
/* "SIGTERM" for 15, "SIGRTMIN+3", "SIG99" for what has no name. */
const char *msg_signame(unsigned sig, char tmp[24]);
