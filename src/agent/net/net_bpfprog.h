/*
 * net_bpfprog.h: the net probe's BPF programs, assembled from raw instructions
 * (no compiler, no libbpf, no BTF: the context is the stable uapi struct
 * bpf_sock_addr).
 *
 * One program per attach type: connect4, connect6, sendmsg4 (UDP),
 * sendmsg6 (UDP).  Each copies the caller's pid/tgid, uid, comm, the
 * socket cookie, type, protocol, destination address and port
 * into a netrec (net_bpfrec.h) and writes it to the ring buffer.  A failed
 * write adds one to the drop counter (the ring buffer keeps no count of
 * its own).  The sendmsg programs first look the (cookie, destination)
 * pair up in an LRU hash and stay silent when they have reported it.
 * With the outcome layer (m->conns >= 0) each also puts the record into
 * the connection table under the socket's cookie (sendmsg: only the
 * socket's first), where the sock_ops and sock_release programs find
 * the caller again; bind4 and bind6 do only that, for TCP sockets (a
 * listener's accepted connections are the binder's).
 * Every program returns 1: the call is always allowed.
 */
#pragma once
#include <stddef.h>
#include <linux/bpf.h>

/* Enough for the largest program (sock_ops: 265 instructions). */
#define NETPROG_MAX_INSNS	320

/* Slots of the drop counter map (an array of u64). */
enum { NETDROP_RINGBUF, NETDROP_UNTRACKED, NETDROP_N };

struct netprog_maps {
	int ringbuf;	/* BPF_MAP_TYPE_RINGBUF */
	int drops;	/* BPF_MAP_TYPE_ARRAY, NETDROP_N x u64: failed ring
			 * writes, connections the tables had no room for */
	int dedupe;	/* BPF_MAP_TYPE_LRU_HASH, NETREC_KEY_SIZE -> u64 */
	/* The outcome layer's tables, or -1 without it (net_bpfconn.h):
	 * socket cookie -> entry, and (family << 16 | port) -> the entry
	 * of the socket that listens there (key 0: an all-zero one). */
	int conns;	/* BPF_MAP_TYPE_HASH, u64 -> NETCONN_SIZE */
	int listeners;	/* BPF_MAP_TYPE_HASH, u32 -> NETCONN_SIZE */
};

/* Every program of the probe: the four attempt hooks first, then the
 * outcome layer's five (from NETPROG_FIRST_OUTCOME), in the order they
 * are detached. */
struct netprog_def {
	int type;	/* BPF_PROG_TYPE_* */
	int attach;	/* BPF_CGROUP_* */
};
#define NETPROG_N		9
#define NETPROG_FIRST_OUTCOME	4
extern const struct netprog_def netprog_all[NETPROG_N];

/* Assemble netprog_all[i] with its builder (netprog_build, netops_build,
 * netsk_build).  As they return.  Pure. */
int netprog_assemble(int i, const struct netprog_maps *m,
		     struct bpf_insn *insns, size_t cap);

/* Assemble the program for attach_type into insns.  Returns the number of
 * instructions, or -1 (unknown attach type, cap too small, bind without
 * the outcome layer).  Pure. */
int netprog_build(int attach_type, const struct netprog_maps *m,
		  struct bpf_insn *insns, size_t cap);
/* A short name for the attach type ("connect4", "sock_ops"), for logs
 * and program names; "?" for one the probe does not use. */
const char *netprog_name(int attach_type);
