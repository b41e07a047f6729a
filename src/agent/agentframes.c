/*
 * agentframes.c: building the agent.* events of agentframes.h.
 *
 * Every agent frame carries the agent's own pid and comm in the v1.0
 * keys, so even a v1.0 reader sees who sent it.  The `dropped` map always
 * lists every reason of doc/WIRE.md §4, zeros included, so a reader never has
 * to guess whether a reason exists; so does `incomplete`.
 */
#include <string.h>
#include "agentframes.h"
#include "lib/fmt.h"

/* The five v1.0 keys of an agent frame. */
static void base(struct event *ev, int source, const struct af_ident *id,
		 uint64_t now)
{
	event_init(ev, source, id->pid, now);
	event_set_bytes(ev, EVK_GUEST_COMM, id->comm, id->comm_len);
}

/* hello's `outcomes`: what each armed probe's mechanism fills of the
 * outcome sources it sends; absent when none sends any. */
static void outcomes(struct event *ev)
{
	const struct probe_outcome *o;
	int i;

	for (i = 0; i < probe_count(); i++)
		for (o = probe_get(i)->outcomes; o && o->source; o++)
			event_map_text(ev, EVK_OUTCOMES, o->source, o->keys);
}

void af_hello(struct event *ev, const struct af_ident *id, uint64_t now,
	      uint64_t session, uint64_t resume_seq, uint64_t ring_bytes)
{
	char v[WIRE_MAPVAL_MAX], k[WIRE_MAPKEY_MAX + 1];
	const struct probe *p;
	int i;

	base(ev, PS_AGENT_HELLO, id, now);
	event_set_text(ev, EVK_AGENT_VERSION, VERSION, strlen(VERSION));
	event_set_bytes(ev, EVK_BOOT_ID, id->boot_id, id->boot_id_len);
	event_set_bytes(ev, EVK_KERNEL, id->kernel, id->kernel_len);
	event_set_uint(ev, EVK_SESSION, session);
	event_set_uint(ev, EVK_RESUME_SEQ, resume_seq);
	ev->has |= EVK_BIT(EVK_PROBES);
	for (i = 0; i < probe_count(); i++) {
		p = probe_get(i);
		probe_state_str(p, v, sizeof(v));
		event_map_text(ev, EVK_PROBES, p->ops->name, v);
		if (p->ops->hello && (p->state == PROBE_ARMED ||
				      p->state == PROBE_FALLBACK))
			p->ops->hello(p, ev);
		if (!p->part.name)
			continue;
		fmt_str(k, sizeof(k), "%s.%s", p->ops->name, p->part.name);
		probe_part_str(&p->part, v, sizeof(v));
		event_map_text(ev, EVK_PROBES, k, v);
	}
	outcomes(ev);
	event_set_uint(ev, EVK_RING_BYTES, ring_bytes);
}

void af_counters(struct event *ev, int source, const struct af_ident *id,
		 uint64_t now, const struct af_counters *c)
{
	int i;

	base(ev, source, id, now);
	event_set_uint(ev, EVK_INTERVAL_MS, c->interval_ms);
	event_set_uint(ev, EVK_EMITTED, c->emitted);
	event_set_uint(ev, EVK_SENT, c->sent);
	ev->has |= EVK_BIT(EVK_DROPPED);
	for (i = 0; i < LOSS_N; i++)
		event_map_uint(ev, EVK_DROPPED, loss_names[i], c->dropped[i]);
	ev->has |= EVK_BIT(EVK_INCOMPLETE);
	for (i = 0; i < INC_N; i++)
		event_map_uint(ev, EVK_INCOMPLETE, incomplete_names[i],
			       c->incomplete[i]);
	event_set_uint(ev, EVK_RING_USED, c->ring_used);
	event_set_uint(ev, EVK_RING_HWM, c->ring_hwm);
	event_set_uint(ev, EVK_RSS_KB, c->rss_kb);
	event_set_uint(ev, EVK_CPU_NS, c->cpu_ns);
}

void af_loss(struct event *ev, const struct af_ident *id, uint64_t now,
	     int reason, uint64_t first, uint64_t count)
{
	const char *r = loss_names[reason];

	base(ev, PS_AGENT_LOSS, id, now);
	event_set_text(ev, EVK_REASON, r, strlen(r));
	event_set_uint(ev, EVK_FIRST_SEQ, first);
	event_set_uint(ev, EVK_COUNT, count);
}
