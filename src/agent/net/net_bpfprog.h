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
 * Every program returns 1: the call is always allowed.
 */
#pragma once
#include <stddef.h>
#include <linux/bpf.h>

/* Enough for the largest program (sendmsg6: ~70 instructions). */
#define NETPROG_MAX_INSNS	128

struct netprog_maps {
	int ringbuf;	/* BPF_MAP_TYPE_RINGBUF */
	int drops;	/* BPF_MAP_TYPE_ARRAY, 1 x u64: failed ring writes */
	int dedupe;	/* BPF_MAP_TYPE_LRU_HASH, NETREC_KEY_SIZE -> u64 */
};

/* The four attach types, in the order the probe loads them. */
extern const int netprog_attach_types[4];

/* Assemble the program for attach_type into insns.  Returns the number of
 * instructions, or -1 (unknown attach type, cap too small).  Pure. */
int netprog_build(int attach_type, const struct netprog_maps *m,
		  struct bpf_insn *insns, size_t cap);
/* A short name for the attach type ("connect4"), for logs and maps. */
const char *netprog_name(int attach_type);
