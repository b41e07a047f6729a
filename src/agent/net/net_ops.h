/*
 * net_ops.h: the net probe (net.connect_attempted, and the outcome events
 * net.connect_result, net.accepted, net.closed) as the agent's registry
 * and the test tools arm it.
 *
 * It arms the best backend the kernel allows: cgroup sock_addr BPF hooks
 * (every connect and UDP sendmsg at the syscall, with pid, comm, uid),
 * else sock_diag destroy groups + dumps, else /proc/net polling; or the
 * one the mode names.  The registry's net_ops.arm takes the mode from
 * `--probe net=on|diag|proc`; the tools that drive the probe alone
 * (tests/tools/netprobe.c, bench/netconnect.c) call net_arm with a
 * configuration of their own: BPF or nothing, a faster cadence.
 */
#pragma once
#include <stdint.h>
#include "agent/probe.h"

/* The mode words' numbers (net_ops.modes), and BPF-only for the tools. */
enum net_mode {
	NET_MODE_OFF, NET_MODE_AUTO, NET_MODE_DIAG, NET_MODE_PROC,
	NET_MODE_BPF,	/* no --probe word: the tools' "BPF or fail" */
};

struct net_cfg {
	int mode;		/* enum net_mode */
	const char *cgroup;	/* cgroup2 directory to attach to; NULL: root */
	uint64_t poll_ns;	/* dump/poll cadence of the fallbacks */
	int outcomes;		/* the outcome events too (not under --wire strict) */
	uint64_t ttl_ns;	/* BPF: age limit of table entries; 0: NET_CONN_TTL_NS */
	uint64_t coalesce_ns;	/* longest coalescing window of its fds; 0 off */
	size_t ringbuf_bytes;	/* BPF ring buffer; 0: NET_RINGBUF_BYTES */
};

extern const struct probe_ops net_ops;

/* Arm p in l as nc says; returns as probe_ops.arm does (0 BPF armed,
 * 1 a fallback, p->why naming it, -1 none, p->why saying why).  Stop it
 * with net_ops.stop. */
int net_arm(struct probe *p, struct loop *l, const struct net_cfg *nc);
