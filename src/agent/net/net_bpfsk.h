/*
 * net_bpfsk.h: the net probe's socket-end programs, assembled from raw
 * instructions: cgroup sock_release (struct bpf_sock) and cgroup_skb
 * egress (struct __sk_buff), beside the sock_ops program.
 *
 * - sock_release runs in the process that closes the socket, before TCP's
 *   own close: a UDP socket's entry goes out as net.closed with its
 *   counts; a TCP connect still in SYN_SENT is marked aborted (sock_ops
 *   reports it right after); one that never left the local stack (no
 *   route, ...) is reported failed; a bound socket's entries go.
 * - egress counts each UDP datagram of a socket with an entry, and its
 *   payload bytes (assuming no IP options or IPv6 extension headers),
 *   into that entry.  For any other packet it is a few instructions.
 */
#pragma once
#include <stddef.h>
#include <linux/bpf.h>
#include "net_bpfprog.h"

/* Assemble the program for attach_type (BPF_CGROUP_INET_SOCK_RELEASE or
 * BPF_CGROUP_INET_EGRESS): the number of instructions, or -1 (another
 * attach type, no outcome tables in m, cap too small).  Pure. */
int netsk_build(int attach_type, const struct netprog_maps *m,
		struct bpf_insn *insns, size_t cap);
