/*
 * net_bpfops.h: the net probe's cgroup sock_ops program, assembled from
 * raw instructions (the context is the stable uapi struct bpf_sock_ops).
 *
 * It runs for every TCP socket of the cgroup at the kernel's TCP events,
 * often in softirq context, where the current task is not the socket's:
 * what it reports takes the caller from the socket's entry in the
 * connection table (net_bpfconn.h), found by socket cookie.
 *
 * - connect (TCP_CONNECT_CB): asks for state changes and RTO callbacks;
 * - RTO_CB that gave up: marks the entry timed out;
 * - ACTIVE_ESTABLISHED: net.connect_result established, with both ends;
 * - listen (TCP_LISTEN_CB): the socket's entry (its binder) becomes the
 *   listener's, under family << 16 | port;
 * - PASSIVE_ESTABLISHED: the accepted socket gets an entry made from its
 *   listener's: net.accepted;
 * - STATE_CB to FIN_WAIT2 notes rcv_nxt; to TCP_CLOSE: from SYN_SENT, net.connect_result failed
 *   (aborted, timeout, refused when a segment (a reset) came back, else
 *   unreachable); from a connection, net.closed with bytes_acked and
 *   bytes_received; the entry goes.
 */
#pragma once
#include <stddef.h>
#include <linux/bpf.h>
#include "net_bpfprog.h"

/* Assemble the program into insns: the number of instructions, or -1
 * (no outcome tables in m, cap too small).  Pure. */
int netops_build(const struct netprog_maps *m, struct bpf_insn *insns,
		 size_t cap);
