/*
 * event.h: one wire event with fixed-size fields, and the key table that
 * both the encoder and the decoder walk (doc/WIRE.md §3-5).
 *
 * The table order is the wire order.  An event says which optional keys it
 * carries with a bit per key in `has`; the five v1.0 keys are always there.
 * Text fields are bytes plus a length (no NUL), already valid UTF-8.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "../lib/caps.h"

enum probe_source {
	PS_NONE = 0,
	/* v1.0 (CellOS 0.5) */
	PS_PROCESS_SPAWNED,
	PS_PROCESS_EXITED,
	PS_FS_INOTIFY_FIRED,
	PS_NET_CONNECT_ATTEMPTED,
	PS_CAPABILITY_DENIED,
	/* v1.1 */
	PS_PROCESS_EXEC,
	PS_AGENT_HELLO,
	PS_AGENT_HEARTBEAT,
	PS_AGENT_LOSS,
	PS_AGENT_STOPPING,
	/* v1.1: connection outcomes (the net probe) */
	PS_NET_CONNECT_RESULT,
	PS_NET_ACCEPTED,
	PS_NET_CLOSED,
	/* v1.1: file events that name the acting process (fanotify) */
	PS_FS_FANOTIFY_FIRED,
	/* not a probe source: the host's ack body (doc/WIRE.md §5) */
	PS_HOST_ACK,
	PS_COUNT
};
#define PS_LAST_V10 PS_CAPABILITY_DENIED

/* Keys in wire order.  The first five are v1.0 and always present. */
enum ev_key {
	EVK_CONTENT_VERSION, EVK_PROBE_SOURCE, EVK_GUEST_PID, EVK_GUEST_COMM,
	EVK_GUEST_MONO_NS,
	EVK_SEQ, EVK_PPID, EVK_START_NS, EVK_UID, EVK_EXE, EVK_ARGV, EVK_ARGC,
	EVK_ARGV_LOST, EVK_CWD, EVK_INTERP, EVK_EXE_SHA256, EVK_INTERP_SHA256,
	EVK_TRUNCATED, EVK_EXIT_CODE, EVK_EXIT_SIGNAL, EVK_SYNTHETIC,
	EVK_PATH, EVK_NAME, EVK_MASK, EVK_OP, EVK_PROTO, EVK_FAMILY, EVK_SRC, EVK_DST,
	EVK_STATE, EVK_SYSCALL, EVK_ERRNO,
	/* connection outcomes (net.connect_result, net.accepted, net.closed,
	 * and which of them a mechanism fills: hello's `outcomes`) */
	EVK_RESULT, EVK_DIRECTION, EVK_DURATION_NS, EVK_BYTES_SENT,
	EVK_BYTES_RECEIVED, EVK_DATAGRAMS_SENT, EVK_OUTCOMES,
	EVK_AGENT_VERSION, EVK_BOOT_ID, EVK_KERNEL, EVK_SESSION, EVK_RESUME_SEQ,
	EVK_PROBES, EVK_WATCHES, EVK_RING_BYTES,
	EVK_INTERVAL_MS, EVK_EMITTED, EVK_SENT, EVK_DROPPED, EVK_INCOMPLETE,
	EVK_RING_USED,
	EVK_RING_HWM, EVK_RSS_KB, EVK_CPU_NS,
	EVK_REASON, EVK_FIRST_SEQ, EVK_COUNT,
	EVK_ACK_SEQ,
	EVK_NKEYS
};
#define EVK_FIRST_EXT EVK_SEQ
#define EVK_BIT(k) ((uint64_t)1 << (k))

enum ev_type { EVT_UINT, EVT_TEXT, EVT_MAP_TEXT, EVT_MAP_UINT, EVT_SOURCE };

struct ev_map_ent {
	uint8_t klen;
	uint8_t vlen;			/* text value length */
	char k[WIRE_MAPKEY_MAX];
	char v[WIRE_MAPVAL_MAX];	/* text value (EVT_MAP_TEXT) */
	uint64_t u;			/* uint value (EVT_MAP_UINT) */
};

struct ev_map {
	uint8_t n;
	struct ev_map_ent e[WIRE_MAP_MAX];
};

#define EV_TEXT(name, cap) struct { uint16_t len; char s[cap]; } name

struct event {
	uint64_t has;			/* EVK_BIT(k) for each optional key present */
	uint16_t version;		/* content_version seen by the decoder */
	uint8_t source;			/* enum probe_source */
	uint64_t pid;
	uint64_t mono_ns;
	EV_TEXT(comm, WIRE_COMM_MAX);
	uint64_t seq, ppid, start_ns, uid, argc, argv_lost, truncated, exit_code,
		 exit_signal, synthetic, mask, syscall, err_no, session,
		 resume_seq, ring_bytes, interval_ms, emitted, sent, ring_used,
		 ring_hwm, rss_kb, cpu_ns, first_seq, count, ack_seq,
		 duration_ns, bytes_sent, bytes_received, datagrams_sent;
	EV_TEXT(exe, WIRE_TEXT_MAX);
	EV_TEXT(argv, WIRE_TEXT_MAX);
	EV_TEXT(cwd, WIRE_TEXT_MAX);
	EV_TEXT(interp, WIRE_TEXT_MAX);
	EV_TEXT(exe_sha256, WIRE_SHA256_HEX);
	EV_TEXT(interp_sha256, WIRE_SHA256_HEX);
	EV_TEXT(path, WIRE_TEXT_MAX);
	EV_TEXT(name, WIRE_NAME_MAX);
	EV_TEXT(op, WIRE_OP_MAX);
	EV_TEXT(proto, WIRE_SHORT_MAX);
	EV_TEXT(family, WIRE_SHORT_MAX);
	EV_TEXT(src, WIRE_ADDR_MAX);
	EV_TEXT(dst, WIRE_ADDR_MAX);
	EV_TEXT(state, WIRE_SHORT_MAX);
	EV_TEXT(agent_version, WIRE_SHORT_MAX);
	EV_TEXT(boot_id, WIRE_SHORT_MAX);
	EV_TEXT(kernel, WIRE_KERNEL_MAX);
	EV_TEXT(reason, WIRE_SHORT_MAX);
	EV_TEXT(result, WIRE_SHORT_MAX);
	EV_TEXT(direction, WIRE_SHORT_MAX);
	struct ev_map probes;
	struct ev_map watches;
	struct ev_map outcomes;
	struct ev_map dropped;
	struct ev_map incomplete;
};

struct ev_keydef {
	const char *name;
	uint8_t namelen;
	uint8_t type;			/* enum ev_type */
	uint16_t cap;			/* text: bytes the field holds */
	uint32_t off;			/* offset of the value (uint, text bytes, map) */
	uint32_t lenoff;		/* text: offset of its uint16_t length */
	uint64_t max;			/* uint: largest value the field takes */
};

extern const struct ev_keydef ev_keys[EVK_NKEYS];

/* The wire string of a source ("process.spawned"), "" for PS_HOST_ACK. */
const char *ps_name(int src);
/* The source for a wire string, or PS_NONE.  v10only: the five v1.0 ones. */
int ps_byname(const char *s, size_t n, int v10only);

/* Start an event: clears every optional key. */
void event_init(struct event *ev, int source, uint32_t pid, uint64_t mono_ns);
/* Key lookup by wire name; -1 when unknown. */
int event_key_byname(const char *s, size_t n);

void event_set_uint(struct event *ev, int key, uint64_t v);
uint64_t event_get_uint(const struct event *ev, int key);
/* Copy valid UTF-8 text into a text key, cut on a character boundary to
 * the field's capacity.  Returns 1 when it had to cut. */
int event_set_text(struct event *ev, int key, const char *s, size_t n);
/* Like event_set_text for bytes that may not be UTF-8 (kernel strings):
 * ill-formed bytes become U+FFFD. */
int event_set_bytes(struct event *ev, int key, const void *s, size_t n);
/* Text key accessors: bytes and length. */
char *event_text(const struct event *ev, int key, size_t *len);
void event_text_setlen(struct event *ev, int key, size_t len);
/* Add a map entry; returns -1 when the map is full or a part is too long. */
int event_map_text(struct event *ev, int key, const char *k, const char *v);
int event_map_uint(struct event *ev, int key, const char *k, uint64_t v);
struct ev_map *event_map(const struct event *ev, int key);
/* 1 when two events carry the same keys and values (version aside). */
int event_equal(const struct event *a, const struct event *b);
