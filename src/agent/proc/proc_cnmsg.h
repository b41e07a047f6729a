/*
 * proc_cnmsg.h: pure parser of the proc connector's datagrams
 * (NETLINK_CONNECTOR, CN_IDX_PROC; the kernel's cn_proc), and its
 * requests.  One datagram may hold several netlink messages; each is
 * length-checked before it is read.  The socket is proc_connector.c's.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum cnproc_kind { CNP_FORK = 1, CNP_EXEC, CNP_EXIT, CNP_COMM, CNP_ACK };

struct cnproc_rec {
	int kind;
	uint32_t pid, tgid;	/* fork: the child; exec, exit: the process */
	uint32_t ppid, ptgid;	/* fork, exit: the parent (exit: since 4.x) */
	uint32_t status;	/* exit: the wait(2) status (code << 8 | sig) */
	uint32_t err;		/* ack: the kernel's answer to LISTEN */
	char comm[16];		/* comm: the new name (prctl PR_SET_NAME), NUL-padded */
	uint64_t ts_ns;		/* kernel CLOCK_MONOTONIC stamp */
};

struct cnproc_stats {
	uint64_t records;	/* records handed to the callback */
	uint64_t ignored;	/* well-formed events we do not use (uid, comm...) */
	uint64_t malformed;	/* messages cut short, or not from CN_IDX_PROC */
};

typedef void cnproc_fn(void *ctx, const struct cnproc_rec *rec);

/* Walk the datagram buf[0..len), calling fn for each fork/exec/exit/
 * comm/ack record.  Bad messages are counted in st and skipped where the netlink
 * length still allows it; the walk stops at the first unusable header. */
void cnproc_parse(const void *buf, size_t len, cnproc_fn *fn, void *ctx,
		  struct cnproc_stats *st);

/* Build the LISTEN/IGNORE request for CN_IDX_PROC into buf (cap bytes):
 * with a non-zero event mask, the 6.6+ form that filters in the kernel;
 * with 0, the old 4-byte form.  Returns the message length or -1. */
int cnproc_request(void *buf, size_t cap, uint32_t op, uint32_t ev_mask,
		   uint32_t seq);
