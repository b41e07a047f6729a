/*
 * emit.c: format each kind of line (see emit.h for the id scheme) into
 * the output.  The data of host-made events holds the host stamp, then
 * `detected_by` ("host" or "agent") where it helps, then its own keys.
 */
#include <stdio.h>
#include <string.h>
#include "ce.h"
#include "emit.h"

#define ID_MAX (HOST_CELL_ID_MAX + WIRE_SHORT_MAX + 64)

/* A host-scheme id: CELL/hNONCE/N. */
static size_t host_id(struct host *h, struct hconn *c, char *id)
{
	return (size_t)snprintf(id, ID_MAX, "%s/h%s/%llu", c->cell->id,
				h->nonce, (unsigned long long)++c->cell->hseq);
}

/* The id of a guest frame (see emit.h). */
static size_t guest_id(struct host *h, struct hconn *c,
		       const struct event *ev, char *id)
{
	int n;

	if (!c->bound || c->boot_len == 0 || !(ev->has & EVK_BIT(EVK_SEQ)))
		return host_id(h, c, id);
	n = snprintf(id, ID_MAX, "%s/%.*s/%u/%llu", c->cell->id,
		     (int)c->boot_len, c->boot_id, c->agent_pid,
		     (unsigned long long)ev->seq);
	return n < ID_MAX ? (size_t)n : ID_MAX - 1;
}

/* Start a line of type `type` with id id[0..n); -1 when the output gave
 * up (the receiver is stopping on a failed output: the line is lost). */
static int begin(struct host *h, struct hconn *c, struct json_buf *j,
		 const char *type, const char *id, size_t n)
{
	struct ce_stamp st = { c->cell->id, h->run_id, h->now, h->extra,
			       h->extra_len };

	if (out_begin(&h->out, j) < 0)
		return -1;
	ce_begin(j, &st, type, id, n);
	return 0;
}

static void end(struct host *h, struct hconn *c, struct json_buf *j)
{
	ce_end(j);
	if (out_commit(&h->out, j) == 0)
		c->cell->st.lines++;
}

void emit_guest(struct host *h, struct hconn *c, const struct event *ev)
{
	struct json_buf j;
	char id[ID_MAX];
	size_t n = guest_id(h, c, ev, id);

	if (begin(h, c, &j, ps_name(ev->source), id, n) < 0)
		return;
	ce_fields(&j, ev);
	end(h, c, &j);
	c->cell->st.events[ev->source]++;
}

void emit_loss(struct host *h, struct hconn *c, const struct event *ev)
{
	struct json_buf j;
	char id[ID_MAX];
	size_t n = guest_id(h, c, ev, id);

	if (begin(h, c, &j, "telemetry_dropped", id, n) < 0)
		return;
	json_kv_cstr(&j, "detected_by", "agent");
	ce_fields(&j, ev);
	end(h, c, &j);
	c->cell->st.losses++;
	if (ev->has & EVK_BIT(EVK_COUNT))
		c->cell->st.lost_seqs += ev->count;
}

/* The boot id of the connection's instance, when it said one. */
static void put_boot(struct json_buf *j, struct hconn *c)
{
	if (c->bound && c->boot_len > 0)
		json_kv_str(j, "boot_id", c->boot_id, c->boot_len);
}

void emit_gap(struct host *h, struct hconn *c, const struct stamp_range *r)
{
	struct json_buf j;
	char id[ID_MAX];
	size_t n = host_id(h, c, id);

	if (begin(h, c, &j, "telemetry_dropped", id, n) < 0)
		return;
	json_kv_cstr(&j, "detected_by", "host");
	json_kv_cstr(&j, "reason", "seq_gap");
	json_kv_uint(&j, "first_seq", r->first);
	json_kv_uint(&j, "count", r->end - r->first);
	put_boot(&j, c);
	end(h, c, &j);
	c->cell->st.gaps++;
	c->cell->st.gap_seqs += r->end - r->first;
}

void emit_rejected(struct host *h, struct hconn *c, int err, size_t n)
{
	struct json_buf j;
	char id[ID_MAX];
	size_t idn = host_id(h, c, id);

	if (begin(h, c, &j, "frame_rejected", id, idn) < 0)
		return;
	json_kv_cstr(&j, "error", wire_errname(err));
	json_kv_uint(&j, "frame_bytes", n);
	put_boot(&j, c);
	end(h, c, &j);
	if (err < 0 && -err <= WIRE_NDECODE_ERR)
		c->cell->st.rejects[-err]++;
}

void emit_silenced(struct host *h, struct hconn *c)
{
	struct json_buf j;
	char id[ID_MAX], last[CE_TIME_LEN + 1];
	size_t n = host_id(h, c, id);

	ce_time(last, c->last_real);
	if (begin(h, c, &j, "agent_silenced", id, n) < 0)
		return;
	json_kv_uint(&j, "keepalive_ms", h->keepalive_ms);
	json_kv_cstr(&j, "silent_since", last);
	put_boot(&j, c);
	end(h, c, &j);
	c->cell->st.silenced++;
}
