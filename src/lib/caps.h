/*
 * caps.h: every capacity and default of the project, in one place.
 *
 * Each number has a one-line reason.  Nothing here allocates; the agent
 * sizes its fixed tables from these at start-up and never grows them.
 */
#pragma once
#include "units.h"

/* ---- wire (doc/WIRE.md) ---- */

/* doc/WIRE.md §2: MAX_FRAME_BODY_BYTES, shared with CellOS 0.5 hosts. */
#define WIRE_MAX_BODY		4096
/* The length prefix in front of every body. */
#define WIRE_HDR_LEN		4
/* A whole frame: prefix plus the largest body. */
#define WIRE_MAX_FRAME		(WIRE_HDR_LEN + WIRE_MAX_BODY)
/* doc/WIRE.md §3: guest_comm is at most 16 bytes of UTF-8. */
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
/* `op`: every fs event name, comma-joined ("access,modify,...,move_self"). */
#define WIRE_OP_MAX		128
/* `exe_sha256`, `interp_sha256`: a SHA-256 in lower-case hex. */
#define WIRE_SHA256_HEX		64
/* Entries in one nested map (`probes`, `dropped`): small and fixed. */
#define WIRE_MAP_MAX		12
/* A nested map key: probe names and loss reasons are short words. */
#define WIRE_MAPKEY_MAX		24
/* A nested map text value: "failed:<why>" with a short reason. */
#define WIRE_MAPVAL_MAX		96
/* content_version values (doc/WIRE.md §3-4); hosts gate on the high byte. */
#define WIRE_V10		0x0100
#define WIRE_V11		0x0101
/* Default vsock port of the CellOS host. */
#define WIRE_PORT		9001

/* ---- host receiver (cellos-telemetry-host) ---- */

/* Connections open at once, all cells together: each costs a fixed
 * reader (~4.2 KiB, touched only when used) and an fd; 4096 is far above
 * one agent connection per cell and bounds what hostile guests can pin. */
#define HOST_MAX_CONNS		4096
/* Cells one receiver serves (one --cell each): a host runs tens of VMs;
 * bench/cells.c drives 1,000 (a fixed, mostly untouched .bss table). */
#define HOST_MAX_CELLS		1024
/* A cell id: short, URI-safe ([A-Za-z0-9._-]), it goes into `source`. */
#define HOST_CELL_ID_MAX	64
/* --run-id: same alphabet plus ':'; goes into every event's data. */
#define HOST_RUN_ID_MAX		64
/* Keep-alive window (doc/WIRE.md §6): no frame for this long -> agent_silenced. */
#define HOST_KEEPALIVE_MS	10000
/* One read(2) of a connection; a wakeup reads at most HOST_READS_PER_WAKE
 * of them so one busy guest cannot starve the other cells. */
#define HOST_READ_CHUNK		65536
#define HOST_READS_PER_WAKE	4
/* One JSON line: a 4096-byte body whose text escapes at most 6x
 * (\u00XX), plus the envelope, the stamp and a signature, fits 64 KiB. */
#define HOST_LINE_MAX		65536
/* Output buffer: lines wait here until the batch that made them is
 * written; flushed whenever one more line might not fit. */
#define HOST_OUT_BUF		(4 * HOST_LINE_MAX)
/* Seqs an instance may hold ahead of its contiguous mark (hello and loss
 * frames the agent sends out of order): 8 is several reconnects deep. */
#define HOST_SEQ_AHEAD		8
/* A failed output write is tried again after 50 ms, doubling up to 2 s:
 * a disk that is freed is seen soon, a dead one costs a syscall per 2 s. */
#define HOST_OUT_RETRY_MIN_MS	50
#define HOST_OUT_RETRY_MAX_MS	2000
/* Occurrence time (gclock.h): the offset is the smallest sample of a
 * window of 4 x 15 s: a guest clock 500 ppm slow (NTP's largest slew)
 * drifts 30 ms in it, while the best of ~60 heartbeats is kept. */
#define HOST_CLOCK_BUCKETS	4
#define HOST_CLOCK_BUCKET_MS	15000
/* A change of offset beyond what delays and drift explain: a jump. */
#define HOST_CLOCK_JUMP_MS	100
/* The process model (model.h): instances kept per cell by default (a
 * microVM runs tens of processes); each costs 56 bytes and 64 bytes of
 * string store, ~31 KiB a cell with the hashes: 1,000 full cells hold
 * ~31 MiB, touched only as used.  --process-slots sets it per host, up to
 * what 16-bit slot numbers reach. */
#define HOST_MODEL_PROCS	256
#define HOST_MODEL_PROCS_MAX	32768
/* A text kept per instance (exe, argv, cwd): longer ones are cut. */
#define HOST_MODEL_TEXT_MAX	1024
/* Two start times this close are one instance: the /proc inventory
 * counts in clock ticks (10 ms), the connector in ns. */
#define HOST_MODEL_START_SLACK_MS 20
/* A line's `message`: one line for people, cut at this many bytes. */
#define HOST_MESSAGE_MAX	320
/* --ancestors N: blocks beyond the parent, at most. */
#define HOST_ANCESTORS_MAX	16
/* --label KEY=VALUE: a few static labels (tenant, environment, region);
 * with the longest guest line they still fit HOST_LINE_MAX (see ce.c). */
#define HOST_LABELS_MAX		16
#define HOST_LABEL_KEY_MAX	64
#define HOST_LABEL_VALUE_MAX	256
/* --host-name: a DNS name is at most 253 characters. */
#define HOST_NAME_LEN_MAX	253
/* Policies (doc/POLICY.md).  A policy file is read whole: 1 MiB is far
 * above any hand-written one; a line is at most 4096 bytes (a longer one
 * is an error at its column 4097, never read on); rules and patterns are
 * bounded so a file cannot make the per-event walk unbounded. */
#define POLICY_FILE_MAX		(1024 * 1024)
#define POLICY_LINE_MAX		4096
#define POLICY_RULES_MAX	4096
#define POLICY_PATS_MAX		64
/* --policy: one per cell and one default ("*"). */
#define HOST_POLICIES_MAX	(HOST_MAX_CELLS + 1)
/* Denied connect attempts a cell remembers so the net.connect_result of
 * the same connection is not a second violation (judge.h). */
#define HOST_POLICY_PENDING	64
/* --on-violation: hooks running at once, hooks started per second by
 * default and at most (--on-violation-rate; a bucket of that many,
 * refilled each second, for all cells together), the time a hook gets
 * before it is killed, and the words of its command line.  Past either
 * bound a violation's hook is dropped, counted; the violation line is
 * written. */
#define HOST_HOOK_MAX		4
#define HOST_HOOK_RATE		10
#define HOST_HOOK_RATE_MAX	1000
#define HOST_HOOK_TIMEOUT_MS	5000
#define HOST_HOOK_ARGS_MAX	32

/* ---- logging ---- */

/* A call site logs at most this many lines per window: a failing probe
 * must not flood the console of a guest. */
#define LOG_RL_BURST		5
#define LOG_RL_WINDOW_NS	(10 * NS_PER_SEC)

/* ---- process probe ---- */

/* Live processes the probe tracks (ppid, start, comm for the exit event):
 * a microVM runs far fewer; past 3/4 of this, events go out without
 * start_ns and the count shows in `untracked`. */
#define PROC_TABLE_CAP		8192
/* Processes remembered after their exit, so that an event read after
 * the exit still finds its actor (actor.h); a power of two. */
#define PROC_GONE_MAX		256
/* Raw cmdline bytes read at exec: more cannot fit a 4096-byte body. */
#define PROC_ARGV_RAW		4096
/* readlink buffer for /proc/PID/exe and the status file. */
#define PROC_EXE_MAX		4096
/* getdents64 buffer for a /proc walk. */
#define PROC_DENTS_BYTES	16384
/* process=poll (the CellOS method, and the connector's fallback): a
 * /proc diff every 100 ms by default, 1 ms to 60 s by hand. */
#define PROC_POLL_MS		100
#define PROC_POLL_MIN_MS	1
#define PROC_POLL_MAX_MS	60000
/* Exec chains waiting for their connector exec event (fanotify is read
 * ahead of the connector by a few execs; more only when execs fail). */
#define PROC_PEND_MAX		64
/* A path kept in a waiting chain (exe, interpreter); longer ones are cut
 * and the event says truncated. */
#define PROC_PEND_PATH		512
/* Connector time after which an unclaimed chain is a failed exec: an
 * exec's event is sent within milliseconds of its opens. */
#define PROC_PEND_NS		(2 * NS_PER_SEC)
/* ELF interpreters (ld.so) remembered: a machine has one or two. */
#define PROC_INTERP_IDS		8
/* fanotify records per read: the chain table's room, at most MAX (fds
 * open at once); ROUNDS reads per drain.  Reading ahead of the connector
 * leaves SPARE slots free for the records an exec's own interpreter still
 * needs (read one room at a time when its exec is handled), so that such
 * a read never pushes out a chain the next execs wait for. */
#define PROC_FAN_READ_MAX	64
#define PROC_FAN_ROUNDS		16
#define PROC_FAN_SPARE		8
/* Exec'd files whose format and hash are cached, in sets of WAYS. */
#define PROC_EXEFILE_MAX	256
#define PROC_EXEFILE_WAYS	4
/* Bytes read to learn a file's format: its ELF program headers are in
 * the first page of any ordinary binary (else a second read). */
#define PROC_EXEHDR_BYTES	4096
/* --exe-hash: one read of the file; files larger than MAX are not
 * hashed (a 64 MiB binary costs the loop ~0.2 s), counted. */
#define PROC_HASH_CHUNK		(16u << 10)
#define PROC_HASH_MAX		(64ull << 20)
/* Proc connector socket buffer: 8 MiB holds ~100k events, a burst of
 * 10k fork+exec+exit without ENOBUFS; 64 KiB..256 MiB by hand. */
#define PROC_RCVBUF		(8u << 20)
#define PROC_RCVBUF_MIN		(64u << 10)
#define PROC_RCVBUF_MAX		(256u << 20)
/* Datagrams read per wake-up, so other fds get their turn. */
#define PROC_READ_BATCH		256
/* Datagrams one recvmmsg takes. */
#define PROC_RECV_MSGS		32
/* Exits one recvmmsg batch may note ahead of its execs (proc_track.h):
 * one per datagram, with room for datagrams of several messages. */
#define PROC_AHEAD_MAX		(2 * PROC_RECV_MSGS)
/* One connector datagram, one event: nlmsghdr 16 + cn_msg 20 + the
 * largest proc_event 56 bytes; a longer one (a future kernel's) is
 * truncated and counted malformed. */
#define PROC_DGRAM_BYTES	256
/* Batches another probe's catch-up reads (actor.h) before it names the
 * actors of its records: 1024 messages, more than a drain's worth. */
#define PROC_SYNC_ROUNDS	4
/* How long arming waits for the connector's LISTEN ack: none comes back
 * outside the initial pid/user namespace. */
#define PROC_ACK_WAIT_MS	250

/* ---- fanotify (src/agent/fan/, shared by the probes that use it) ---- */

/* Mount ids remembered between reads of mountinfo: a microVM has tens;
 * past this, the extra mounts are marked again on every change. */
#define FAN_MOUNTS_MAX		1024
/* A mount point, unescaped: PATH_MAX. */
#define FAN_POINT_MAX		4096
/* One read of /proc/self/mountinfo: lines are ~100 bytes, a mount point
 * escaped at most 4x. */
#define FAN_INFO_BUF		(4 * FAN_POINT_MAX + 512)

/* ---- file probe ---- */

/* Declared watches: a cell declares a handful of paths, not a tree. */
#define FS_WATCH_MAX		64
/* A declared path, with its NUL. */
#define FS_PATH_MAX		1024
/* One read of the inotify or fanotify fd: room for ~100 records with
 * short names (a fanotify record with its fid and name: 40 + name). */
#define FS_READ_BYTES		8192
/* Reads per wake-up, so other fds get their turn. */
#define FS_READ_BATCH		16
/* The kernel's inotify queue when /proc/sys/fs/inotify/max_queued_events
 * cannot be read: its default.  fanotify's queue (a group without
 * FAN_UNLIMITED_QUEUE, which the agent never asks for) is 16384 events
 * too, /proc/sys/fs/fanotify/max_queued_events from 5.13. */
#define FS_QUEUE_DEFAULT	16384
/* doc/DESIGN.md §3 "Probes": the default mask under --wire strict
 * (CellOS's), and with v1.1, which adds the close after a write and both
 * ends of a move. */
#define FS_MASK_DEFAULT		(IN_MODIFY | IN_CREATE | IN_DELETE | IN_ATTRIB)
#define FS_MASK_V11		(FS_MASK_DEFAULT | IN_CLOSE_WRITE | \
				 IN_MOVED_FROM | IN_MOVED_TO)
/* A file handle kept per watch, struct file_handle's 8-byte head and
 * MAX_HANDLE_SZ (128) bytes. */
#define FS_FH_MAX		(8 + 128)
/* Acting processes whose /proc view one drain of the fanotify queue
 * keeps (a burst has few writers); tree directories whose place (under
 * a tree, and its path, or outside) it keeps. */
#define FS_ACTOR_CACHE		4
#define FS_DIR_CACHE		16
/* Directories beside a tree whose entries the kernel is told to ignore
 * (fs_fanign.h): a cell's busy folders, well under the 8192 marks a user
 * may have by default. */
#define FS_IGNORE_MAX		128

/* ---- agent (src/agent) ---- */

/* VMADDR_CID_HOST: the hypervisor side of the guest's vsock. */
#define AGENT_DEFAULT_CID	2
/* doc/DESIGN.md §3: 1 MiB of encoded frames, about 10k typical events. */
#define AGENT_RING_DEFAULT	(1u << 20)
/* The ring must hold the frame being written plus many of the largest
 * ones (64 KiB: 15), or overwrite-oldest would thrash. */
#define AGENT_RING_MIN		(64u << 10)
/* A microVM's memory is small: more than 64 MiB of backlog is a mistake. */
#define AGENT_RING_MAX		(64u << 20)
/* doc/WIRE.md §4: one heartbeat a second by default. */
#define AGENT_HEARTBEAT_MS	1000
/* Faster than 10 ms the heartbeats would crowd out the events. */
#define AGENT_HEARTBEAT_MIN_MS	10
/* Slower than an hour the host cannot tell quiet from dead. */
#define AGENT_HEARTBEAT_MAX_MS	3600000
/* The issue: on SIGTERM/SIGINT flush for at most 1 s. */
#define AGENT_STOP_FLUSH_MS	1000
/* Then the agent.stopping frame gets this much longer to go out. */
#define AGENT_STOP_LAST_MS	100
/* How long the parent waits for the child's "armed": every wait of
 * set-up is bounded (the audit exchanges, 2 s each, take the longest);
 * a child silent for 30 s is stuck, and init must not wait on it. */
#define AGENT_READY_TIMEOUT_MS	30000
/* /proc/cmdline: COMMAND_LINE_SIZE is 2048 on x86, 4096 at most elsewhere. */
#define AGENT_CMDLINE_MAX	4096
/* Settings given as flags, kept until the cmdline words are applied. */
#define AGENT_FLAGS_MAX		128
/* Probes in the registry (process, fs, net, capability and the test
 * build's synthetic one), with room for the next ones. */
#define AGENT_PROBES_MAX	8

/* ---- transport (src/agent/xport.c) ---- */

/* The issue: backoff doubles from 10 ms up to 2 s, with jitter. */
#define XPORT_BACKOFF_MIN_MS	10
#define XPORT_BACKOFF_MAX_MS	2000
/* A vsock connect the host never answers must not hang the transport. */
#define XPORT_CONNECT_TIMEOUT_MS 2000
/* A connection that lasted this long resets the backoff: a host that
 * accepts and drops at once must not get a 10 ms reconnect storm. */
#define XPORT_STABLE_MS		1000
/* writev calls per loop pass, so the other fds get their turn. */
#define XPORT_WRITE_BATCH	16
/* Host-to-guest bytes buffered: a partial frame plus a whole one. */
#define XPORT_RX_BYTES		(2u * WIRE_MAX_FRAME)

/* ---- event loop (src/lib/loop.c) ---- */

/* epoll events taken per epoll_wait: the host's pass (its lines are
 * written once per pass) covers up to 64 ready connections. */
#define LOOP_EVENTS		64
/* Deadlines: heartbeat, transport, stop, one per probe, one per
 * coalesced fd (process, fs, two net, capability, fanotify), with room. */
#define LOOP_TIMERS_MAX		24
/* A coalesced fd whose owner gave no capacity: the last drain at
 * loop_del_coalesced reads at most this many items. */
#define LOOP_DRAIN_LAST_MAX	65536
/* Wakeup coalescing (coalesce.h): the longest window by default, and the
 * longest one may set by hand (--coalesce-ms; 0 turns it off).  bench/
 * coalescing.py's curve is how the default was chosen (README.md). */
#define COALESCE_DEFAULT_MS	5
#define COALESCE_MAX_MS		100
/* Receive buffer bytes one small netlink message takes (its skb's
 * truesize: 832 for a proc connector message on 6.1 and 6.18, rounded
 * up): a socket's capacity in messages, which bounds a window. */
#define NETLINK_MSG_TRUESIZE	1024
/* ---- net probe (src/agent/net/) ---- */

/* BPF ring buffer: 128 KiB holds ~560 of the largest records (a
 * connection's outcome entry, 224 bytes, +8 of header; a connection
 * sends about three), a burst of a couple of hundred connections between
 * two reads; the kernel maps its data pages twice, all resident, so it
 * is twice its size in RSS.  --net-ringbuf: a power of two from a page
 * to 16 MiB. */
#define NET_RINGBUF_BYTES	(128u * 1024u)
#define NET_RINGBUF_MIN		(4u * 1024u)
#define NET_RINGBUF_MAX		(16u << 20)
/* One ring buffer record with its header, the largest kind: the ring's
 * capacity in records, which bounds a coalescing window. */
#define NET_RINGBUF_REC		232
/* RLIMIT_MEMLOCK the net probe raises itself to before making its maps:
 * kernels before 5.11 charge BPF maps to it (64 KiB by default before
 * 5.16, less than the ring buffer), later ones to the memory cgroup. */
#define NET_MEMLOCK_BYTES	(16u << 20)
/* UDP sendmsg dedupe: an LRU of (socket cookie, destination) pairs in the
 * kernel; a socket talking to more destinations may repeat old ones. */
#define NET_UDP_DEDUPE_MAX	4096
/* Connection table (the outcome layer's BPF hash, ~250 bytes a slot in
 * the kernel: 1 MiB): sockets with a connect, bind or first datagram and
 * no outcome yet, plus the open TCP connections; a cell holds far fewer
 * at once.  Past it, connections are counted in net_untracked. */
#define NET_CONN_MAX		4096
/* Listening TCP sockets whose owner is known (family and port). */
#define NET_LISTEN_MAX		256
/* A connect with no outcome for this long, or a connection closed that
 * long ago without TCP's close being seen, is expired and counted
 * (net_expired): far past the kernel's SYN retries (127 s by default)
 * and an orphaned socket's last timers. */
#define NET_CONN_TTL_NS		(600 * NS_PER_SEC)
/* How often the agent sweeps the table for such entries, and how many it
 * looks at per sweep (two bpf(2) calls each; the next sweep goes on). */
#define NET_SWEEP_NS		(10 * NS_PER_SEC)
#define NET_SWEEP_BATCH		1024
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
#define NET_POLL_NS		(200 * NS_PER_MS)
/* A sock_diag dump round with no reply for this long is abandoned. */
#define NET_DUMP_TIMEOUT_NS	(5 * NS_PER_SEC)
/* Chunk read from /proc/net/tcp* at a time; lines are ~150 bytes. */
#define NET_PROC_BUF		(64u * 1024u)
/* Where the agent mounts cgroup2 when the guest has not mounted it. */
#define NET_CGROUP2_MNT		"/run/cellos-telemetry/cgroup2"
/* A path (cgroup directory): PATH_MAX. */
#define NET_PATH_MAX		4096
/* Why a mechanism was refused: one short line for hello and logs. */
#define MECH_WHY_MAX		160
/* The BPF assembler: forward jumps and labels of one program (sock_ops,
 * the largest, takes 44 jumps and 20 labels). */
#define NET_ASM_JUMPS		64
#define NET_ASM_LABELS		48
/* Verifier log kept for a rejected BPF program (set-up only). */
#define NET_BPF_LOG		(64u * 1024u)

/* ---- capability probe (src/agent/cap/) ---- */

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
#define CAP_LOST_POLL_NS	(1 * NS_PER_SEC)
/* Set-up and clean-stop netlink exchanges wait at most this long. */
#define CAP_REPLY_TIMEOUT_MS	2000
