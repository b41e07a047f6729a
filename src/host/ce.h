/*
 * ce.h: CloudEvents 1.0 structured-mode lines (doc/WIRE.md §6).
 *
 * One line is ce_begin (envelope and host stamp), then data members (the
 * guest's fields with ce_fields, or a host event's own), then ce_end.
 * This file formats; it decides nothing (which events, which ids: recv.c)
 * and writes no newline or signature (out.c, sign.c).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "wire/event.h"

#define CE_TYPE_PREFIX "dev.cellos.events.cell.observability.guest.v1."

/* The host stamp: who (the socket's cell), which run, when received
 * (RFC 3339), then the members of ce_extra (host name, labels), if any;
 * `when` is the event's own time (CloudEvents `time`), NULL: received. */
struct ce_stamp {
	const char *cell;
	const char *run_id;
	const char *time;
	const char *when;
	const char *extra;
	size_t extra_len;
};

/* Envelope up to and into `data`, which then holds the host stamp.
 * type is a probe source ("process.spawned") or a host event name
 * ("agent_silenced"); '.' becomes '_'. */
void ce_begin(struct json_buf *j, const struct ce_stamp *st,
	      const char *type, const char *id, size_t idlen);
/* Every field of a decoded guest event, by wire name, in wire order. */
void ce_fields(struct json_buf *j, const struct event *ev);
/* argv text (arguments joined by U+0000) as an array of strings. */
void ce_argv(struct json_buf *j, const char *s, size_t n);
/* Close `data` and the event. */
void ce_end(struct json_buf *j);

/* The stamp's static members, made once: "host_name":NAME (when name is
 * not NULL), then "labels":{KEY:VALUE,...} from n "KEY=VALUE" words
 * (when n > 0), without braces, into out.  Returns the length, or 0 when
 * there is none or it did not fit cap. */
size_t ce_extra(char *out, size_t cap, const char *name,
		char *const *labels, unsigned n);

/* RFC 3339 UTC with microseconds ("2026-01-02T03:04:05.123456Z") for a
 * CLOCK_REALTIME value; out must hold CE_TIME_LEN + 1 bytes. */
#define CE_TIME_LEN 27
void ce_time(char *out, uint64_t real_ns);
