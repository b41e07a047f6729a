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

/* The host stamp: who (the socket's cell), which run, when (RFC 3339). */
struct ce_stamp {
	const char *cell;
	const char *run_id;
	const char *time;
};

/* Envelope up to and into `data`, which then holds the host stamp.
 * type is a probe source ("process.spawned") or a host event name
 * ("agent_silenced"); '.' becomes '_'. */
void ce_begin(struct json_buf *j, const struct ce_stamp *st,
	      const char *type, const char *id, size_t idlen);
/* Every field of a decoded guest event, by wire name, in wire order. */
void ce_fields(struct json_buf *j, const struct event *ev);
/* Close `data` and the event. */
void ce_end(struct json_buf *j);

/* RFC 3339 UTC with microseconds ("2026-01-02T03:04:05.123456Z") for a
 * CLOCK_REALTIME value; out must hold CE_TIME_LEN + 1 bytes. */
#define CE_TIME_LEN 27
void ce_time(char *out, uint64_t real_ns);
