/*
 * caps.h: every capacity and default of the project, in one place.
 *
 * Each number has a one-line reason.  Nothing here allocates; the agent
 * sizes its fixed tables from these at start-up and never grows them.
 */
#pragma once

/* ---- wire (WIRE.md) ---- */

/* WIRE.md §2: MAX_FRAME_BODY_BYTES, shared with CellOS 0.5 hosts. */
#define WIRE_MAX_BODY		4096
/* The length prefix in front of every body. */
#define WIRE_HDR_LEN		4
/* A whole frame: prefix plus the largest body. */
#define WIRE_MAX_FRAME		(WIRE_HDR_LEN + WIRE_MAX_BODY)
/* WIRE.md §3: guest_comm is at most 16 bytes of UTF-8. */
#define WIRE_COMM_MAX		16
/* Any text field must fit one body; keys and the other fields take some. */
#define WIRE_TEXT_MAX		4080
/* Short text fields (proto, family, state, reason, versions). */
#define WIRE_SHORT_MAX		64
/* `src`/`dst`: "[" 39-char IPv6 "]:" 5-digit port, with room to spare. */
#define WIRE_ADDR_MAX		64
/* `kernel` in hello: utsname release + version fit in 192 bytes. */
#define WIRE_KERNEL_MAX		192
/* `name` of an inotify record: NAME_MAX. */
#define WIRE_NAME_MAX		255
/* Entries in one nested map (`probes`, `dropped`): small and fixed. */
#define WIRE_MAP_MAX		12
/* A nested map key: probe names and loss reasons are short words. */
#define WIRE_MAPKEY_MAX		24
/* A nested map text value: "failed:<why>" with a short reason. */
#define WIRE_MAPVAL_MAX		96
/* content_version values (WIRE.md §3-4); hosts gate on the high byte. */
#define WIRE_V10		0x0100
#define WIRE_V11		0x0101
/* Default vsock port of the CellOS host. */
#define WIRE_PORT		9001

/* ---- logging ---- */

/* A call site logs at most this many lines per window: a failing probe
 * must not flood the console of a guest. */
#define LOG_RL_BURST		5
#define LOG_RL_WINDOW_NS	(10ull * 1000000000ull)

/* ---- net probe (probe_net.c and its mechanisms) ---- */

/* BPF ring buffer: 256 KiB holds ~2,900 records of 88 bytes, a burst of
 * a thousand connects with room, and stays a small locked allocation. */
#define NET_RINGBUF_BYTES	(256u * 1024u)
/* UDP sendmsg dedupe: an LRU of (socket cookie, destination) pairs in the
 * kernel; a socket talking to more destinations may repeat old ones. */
#define NET_UDP_DEDUPE_MAX	4096
/* Records or netlink datagrams handled per readable call: bounded work. */
#define NET_BATCH		256
/* sock_diag: receive buffer of the destroy-group socket (bursts of
 * destroy messages while the loop is busy elsewhere). */
#define NET_DIAG_RCVBUF		(4u * 1024u * 1024u)
/* One netlink datagram: the kernel fills at most a page or two. */
#define NET_NL_BUF		(32u * 1024u)
/* Sockets the fallbacks remember (sock_diag cookies, /proc inodes), a
 * power of two; 3/4 usable: 6,000 live or recently closed sockets. */
#define NET_TRACK_SEEN		8192
/* Listening ports remembered to tell accepted sockets from connects. */
#define NET_TRACK_LISTEN	256
/* Default cadence of the sock_diag dump and of /proc/net polling. */
#define NET_POLL_NS		(200ull * 1000000ull)
/* A sock_diag dump round with no reply for this long is abandoned. */
#define NET_DUMP_TIMEOUT_NS	(5000ull * 1000000ull)
/* Chunk read from /proc/net/tcp* at a time; lines are ~150 bytes. */
#define NET_PROC_BUF		(64u * 1024u)
/* Where the agent mounts cgroup2 when the guest has not mounted it. */
#define NET_CGROUP2_MNT		"/run/cellos-telemetry/cgroup2"
/* A path (cgroup directory): PATH_MAX. */
#define NET_PATH_MAX		4096
/* Why a mechanism was refused: one short line for hello and logs. */
#define PROBE_WHY_MAX		160
/* Verifier log kept for a rejected BPF program (set-up only). */
#define NET_BPF_LOG		(64u * 1024u)

/* ---- capability probe (probe_cap.c, audit.c) ---- */

/* Audit netlink receive buffer: records come in bursts of 3-5 messages
 * per denied syscall. */
#define CAP_RCVBUF		(4u * 1024u * 1024u)
/* The kernel's audit queue while we are the daemon (default 64 is one
 * busy millisecond). */
#define CAP_BACKLOG_LIMIT	8192
/* One audit datagram: a record is at most MAX_AUDIT_MESSAGE_LENGTH
 * (8970) bytes plus its netlink header. */
#define CAP_NL_BUF		(16u * 1024u)
/* Audit messages handled per readable call. */
#define CAP_BATCH		256
/* How often the kernel's `lost` counter is read (AUDIT_GET). */
#define CAP_LOST_POLL_NS	(1000ull * 1000000ull)
/* Set-up and clean-stop netlink exchanges wait at most this long. */
#define CAP_REPLY_TIMEOUT_MS	2000
