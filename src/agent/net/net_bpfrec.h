/*
 * net_bpfrec.h: the record the net BPF programs write into the ring buffer,
 * and its pure parser.
 *
 * The programs (net_bpfprog.c) write the record in the host's byte order,
 * except the address and port, which stay as the socket call gave them
 * (network order).  The layout is ours; offsets are fixed here and used by
 * both the assembler and the parser.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct event;

#define NETREC_MAGIC		0x314e5443u	/* "CTN1" in memory */
#define NETREC_OFF_MAGIC	0	/* u32 */
#define NETREC_OFF_ATTACH	4	/* u32: the BPF_CGROUP_* attach type */
#define NETREC_OFF_PIDTGID	8	/* u64: bpf_get_current_pid_tgid */
#define NETREC_OFF_UIDGID	16	/* u64: bpf_get_current_uid_gid */
#define NETREC_OFF_KTIME	24	/* u64: bpf_ktime_get_ns (CLOCK_MONOTONIC) */
#define NETREC_OFF_COOKIE	32	/* u64: socket cookie */
#define NETREC_OFF_RESERVED	40	/* u32: 0 (part of the dedupe key) */
#define NETREC_OFF_TYPE		44	/* u32: socket type */
#define NETREC_OFF_PROTO	48	/* u32: IP protocol */
#define NETREC_OFF_PORT		52	/* u32: user_port, network order, low 16 bits */
#define NETREC_OFF_ADDR		56	/* 16 bytes: user_ip4 or user_ip6 */
#define NETREC_OFF_COMM		72	/* 16 bytes: comm, NUL padded */
#define NETREC_SIZE		88
/* The sendmsg dedupe key: cookie, 0, type, protocol, port, address. */
#define NETREC_KEY_OFF		NETREC_OFF_COOKIE
#define NETREC_KEY_SIZE		(NETREC_OFF_COMM - NETREC_OFF_COOKIE)

struct netrec {
	uint32_t attach;	/* BPF_CGROUP_INET{4,6}_{CONNECT,BIND}, UDP{4,6}_SENDMSG */
	uint32_t pid, tid;
	uint32_t uid, gid;
	uint64_t ktime_ns;
	uint64_t cookie;
	uint32_t family;	/* the hook's: AF_INET for connect4/sendmsg4 */
	uint32_t type, protocol;
	uint16_t port;		/* host order */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	uint8_t comm_len;
	char comm[16];
};

/* Parse one record: 0, or -1 when it is short, the magic is wrong or the
 * attach type is not one of ours (a bind record is: it is never sent
 * alone, but it is the record of a listener's connection entry).  The family is the hook's, not the
 * sockaddr's: connect4 also runs for a sockaddr of another family (the
 * kernel then fails the call with EAFNOSUPPORT, after the hook), and the
 * attempt is reported with the bytes the hook read as an IPv4 address.
 * Pure. */
int netrec_parse(const uint8_t *p, size_t n, struct netrec *r);
/* Fill a net.connect_attempted event from a parsed record. */
void netrec_event(const struct netrec *r, struct event *ev);
