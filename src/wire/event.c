/*
 * event.c: the key table (names, types, capacities, limits, wire order)
 * and small accessors over struct event.
 *
 * The table is the single description of the wire's fields: frame.c
 * encodes and decodes by walking it.  Nothing here knows CBOR.
 */
#include <stddef.h>
#include <string.h>
#include "event.h"
#include "utf8.h"

#define U(k, f, mx) [k] = { #f, sizeof(#f) - 1, EVT_UINT, 0, \
	offsetof(struct event, f), 0, mx }
#define UN(k, nm, f, mx) [k] = { nm, sizeof(nm) - 1, EVT_UINT, 0, \
	offsetof(struct event, f), 0, mx }
#define T(k, f) [k] = { #f, sizeof(#f) - 1, EVT_TEXT, \
	sizeof(((struct event *)0)->f.s), offsetof(struct event, f.s), \
	offsetof(struct event, f.len), 0 }
#define M(k, f, t) [k] = { #f, sizeof(#f) - 1, t, 0, \
	offsetof(struct event, f), 0, 0 }
#define U64 UINT64_MAX
#define U32 UINT32_MAX

const struct ev_keydef ev_keys[EVK_NKEYS] = {
	UN(EVK_CONTENT_VERSION, "content_version", version, 0xffff),
	[EVK_PROBE_SOURCE] = { "probe_source", 12, EVT_SOURCE, 0,
		offsetof(struct event, source), 0, 0 },
	UN(EVK_GUEST_PID, "guest_pid", pid, U32),
	[EVK_GUEST_COMM] = { "guest_comm", 10, EVT_TEXT, WIRE_COMM_MAX,
		offsetof(struct event, comm.s),
		offsetof(struct event, comm.len), 0 },
	UN(EVK_GUEST_MONO_NS, "guest_monotonic_ns", mono_ns, U64),
	U(EVK_SEQ, seq, U64),
	U(EVK_PPID, ppid, U32),
	U(EVK_START_NS, start_ns, U64),
	U(EVK_UID, uid, U32),
	T(EVK_EXE, exe),
	T(EVK_ARGV, argv),
	U(EVK_ARGC, argc, U32),
	U(EVK_ARGV_LOST, argv_lost, 1),
	T(EVK_CWD, cwd),
	T(EVK_INTERP, interp),
	T(EVK_EXE_SHA256, exe_sha256),
	T(EVK_INTERP_SHA256, interp_sha256),
	U(EVK_TRUNCATED, truncated, 1),
	U(EVK_EXIT_CODE, exit_code, 255),
	U(EVK_EXIT_SIGNAL, exit_signal, 255),
	U(EVK_SYNTHETIC, synthetic, 1),
	T(EVK_PATH, path),
	T(EVK_NAME, name),
	U(EVK_MASK, mask, U32),
	T(EVK_OP, op),
	T(EVK_PROTO, proto),
	T(EVK_FAMILY, family),
	T(EVK_SRC, src),
	T(EVK_DST, dst),
	T(EVK_STATE, state),
	U(EVK_SYSCALL, syscall, U32),
	UN(EVK_ERRNO, "errno", err_no, U32),
	T(EVK_RESULT, result),
	T(EVK_DIRECTION, direction),
	U(EVK_DURATION_NS, duration_ns, U64),
	U(EVK_BYTES_SENT, bytes_sent, U64),
	U(EVK_BYTES_RECEIVED, bytes_received, U64),
	U(EVK_DATAGRAMS_SENT, datagrams_sent, U64),
	M(EVK_OUTCOMES, outcomes, EVT_MAP_TEXT),
	T(EVK_AGENT_VERSION, agent_version),
	T(EVK_BOOT_ID, boot_id),
	T(EVK_KERNEL, kernel),
	U(EVK_SESSION, session, U64),
	U(EVK_RESUME_SEQ, resume_seq, U64),
	M(EVK_PROBES, probes, EVT_MAP_TEXT),
	M(EVK_WATCHES, watches, EVT_MAP_TEXT),
	U(EVK_RING_BYTES, ring_bytes, U64),
	U(EVK_INTERVAL_MS, interval_ms, U32),
	U(EVK_EMITTED, emitted, U64),
	U(EVK_SENT, sent, U64),
	M(EVK_DROPPED, dropped, EVT_MAP_UINT),
	M(EVK_INCOMPLETE, incomplete, EVT_MAP_UINT),
	U(EVK_RING_USED, ring_used, U64),
	U(EVK_RING_HWM, ring_hwm, U64),
	U(EVK_RSS_KB, rss_kb, U64),
	U(EVK_CPU_NS, cpu_ns, U64),
	T(EVK_REASON, reason),
	U(EVK_FIRST_SEQ, first_seq, U64),
	U(EVK_COUNT, count, U64),
	U(EVK_ACK_SEQ, ack_seq, U64),
};

static const char *const ps_names[PS_COUNT] = {
	[PS_NONE] = "",
	[PS_PROCESS_SPAWNED] = "process.spawned",
	[PS_PROCESS_EXITED] = "process.exited",
	[PS_FS_INOTIFY_FIRED] = "fs.inotify_fired",
	[PS_NET_CONNECT_ATTEMPTED] = "net.connect_attempted",
	[PS_CAPABILITY_DENIED] = "capability.denied",
	[PS_PROCESS_EXEC] = "process.exec",
	[PS_AGENT_HELLO] = "agent.hello",
	[PS_AGENT_HEARTBEAT] = "agent.heartbeat",
	[PS_AGENT_LOSS] = "agent.loss",
	[PS_AGENT_STOPPING] = "agent.stopping",
	[PS_NET_CONNECT_RESULT] = "net.connect_result",
	[PS_NET_ACCEPTED] = "net.accepted",
	[PS_NET_CLOSED] = "net.closed",
	[PS_FS_FANOTIFY_FIRED] = "fs.fanotify_fired",
	[PS_HOST_ACK] = "",
};

const char *ps_name(int src)
{
	return src > PS_NONE && src < PS_COUNT ? ps_names[src] : "";
}

int ps_byname(const char *s, size_t n, int v10only)
{
	int i, last = v10only ? PS_LAST_V10 : PS_HOST_ACK - 1;

	for (i = PS_PROCESS_SPAWNED; i <= last; i++)
		if (strlen(ps_names[i]) == n && memcmp(ps_names[i], s, n) == 0)
			return i;
	return PS_NONE;
}

void event_init(struct event *ev, int source, uint32_t pid, uint64_t mono_ns)
{
	ev->has = 0;
	ev->version = WIRE_V11;
	ev->source = (uint8_t)source;
	ev->pid = pid;
	ev->mono_ns = mono_ns;
	ev->comm.len = 0;
	ev->probes.n = 0;
	ev->watches.n = 0;
	ev->outcomes.n = 0;
	ev->dropped.n = 0;
	ev->incomplete.n = 0;
}

int event_key_byname(const char *s, size_t n)
{
	int k;

	for (k = 0; k < EVK_NKEYS; k++)
		if (ev_keys[k].namelen == n && memcmp(ev_keys[k].name, s, n) == 0)
			return k;
	return -1;
}

/* Address of a field of the key table inside an event. */
static void *field(const struct event *ev, uint32_t off)
{
	return (char *)ev + off;
}

void event_set_uint(struct event *ev, int key, uint64_t v)
{
	if (key == EVK_CONTENT_VERSION)
		ev->version = (uint16_t)v;
	else
		*(uint64_t *)field(ev, ev_keys[key].off) = v;
	if (key >= EVK_FIRST_EXT)
		ev->has |= EVK_BIT(key);
}

uint64_t event_get_uint(const struct event *ev, int key)
{
	if (key == EVK_CONTENT_VERSION)
		return ev->version;
	return *(const uint64_t *)field(ev, ev_keys[key].off);
}

char *event_text(const struct event *ev, int key, size_t *len)
{
	*len = *(const uint16_t *)field(ev, ev_keys[key].lenoff);
	return field(ev, ev_keys[key].off);
}

void event_text_setlen(struct event *ev, int key, size_t len)
{
	*(uint16_t *)field(ev, ev_keys[key].lenoff) = (uint16_t)len;
	if (key >= EVK_FIRST_EXT)
		ev->has |= EVK_BIT(key);
}

int event_set_text(struct event *ev, int key, const char *s, size_t n)
{
	size_t k = utf8_cut((const uint8_t *)s, n, ev_keys[key].cap);

	memcpy(field(ev, ev_keys[key].off), s, k);
	event_text_setlen(ev, key, k);
	return k < n;
}

int event_set_bytes(struct event *ev, int key, const void *s, size_t n)
{
	size_t used;
	size_t k = utf8_sanitize(field(ev, ev_keys[key].off), ev_keys[key].cap,
				 s, n, &used);

	event_text_setlen(ev, key, k);
	return used < n;
}

struct ev_map *event_map(const struct event *ev, int key)
{
	return field(ev, ev_keys[key].off);
}

/* Append an entry with key k to a map; NULL when full or k too long. */
static struct ev_map_ent *map_add(struct event *ev, int key, const char *k)
{
	struct ev_map *m = event_map(ev, key);
	size_t kl = strlen(k);
	struct ev_map_ent *e;

	if (m->n >= WIRE_MAP_MAX || kl > WIRE_MAPKEY_MAX)
		return NULL;
	e = &m->e[m->n++];
	memcpy(e->k, k, kl);
	e->klen = (uint8_t)kl;
	e->vlen = 0;
	e->u = 0;
	ev->has |= EVK_BIT(key);
	return e;
}

int event_map_text(struct event *ev, int key, const char *k, const char *v)
{
	size_t vl = strlen(v);
	struct ev_map_ent *e;

	if (vl > WIRE_MAPVAL_MAX)
		vl = utf8_cut((const uint8_t *)v, vl, WIRE_MAPVAL_MAX);
	e = map_add(ev, key, k);
	if (!e)
		return -1;
	memcpy(e->v, v, vl);
	e->vlen = (uint8_t)vl;
	return 0;
}

int event_map_uint(struct event *ev, int key, const char *k, uint64_t v)
{
	struct ev_map_ent *e = map_add(ev, key, k);

	if (!e)
		return -1;
	e->u = v;
	return 0;
}

/* Compare one key's value in two events that both carry it. */
static int key_equal(const struct event *a, const struct event *b, int k)
{
	const struct ev_map *ma, *mb;
	size_t la, lb, i;
	const char *ta, *tb;

	switch (ev_keys[k].type) {
	case EVT_SOURCE:
		return a->source == b->source;
	case EVT_UINT:
		return event_get_uint(a, k) == event_get_uint(b, k);
	case EVT_TEXT:
		ta = event_text(a, k, &la);
		tb = event_text(b, k, &lb);
		return la == lb && memcmp(ta, tb, la) == 0;
	default:
		ma = event_map(a, k);
		mb = event_map(b, k);
		if (ma->n != mb->n)
			return 0;
		for (i = 0; i < ma->n; i++) {
			const struct ev_map_ent *x = &ma->e[i], *y = &mb->e[i];

			if (x->klen != y->klen || memcmp(x->k, y->k, x->klen) ||
			    x->u != y->u || x->vlen != y->vlen ||
			    memcmp(x->v, y->v, x->vlen))
				return 0;
		}
		return 1;
	}
}

int event_equal(const struct event *a, const struct event *b)
{
	int k;

	if (a->has != b->has || a->source != b->source)
		return 0;
	if (a->source == PS_HOST_ACK)
		return a->ack_seq == b->ack_seq;
	for (k = EVK_PROBE_SOURCE; k < EVK_NKEYS; k++)
		if ((k < EVK_FIRST_EXT || (a->has & EVK_BIT(k))) &&
		    !key_equal(a, b, k))
			return 0;
	return 1;
}
