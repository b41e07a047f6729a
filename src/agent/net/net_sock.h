/*
 * net_sock.h: one socket as the fallbacks see it (sock_diag messages and
 * /proc/net/{tcp,udp}{,6} lines), before it becomes an event.
 */
#pragma once
#include <stdint.h>

struct netsock {
	uint8_t family;		/* AF_INET, AF_INET6 */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t state;		/* the kernel's TCP state number (UDP too) */
	uint8_t has_uid;	/* uid is known (dumps and /proc; not destroys) */
	uint16_t sport, dport;	/* host order */
	uint8_t src[16], dst[16];	/* network order; IPv4 in 4 bytes */
	uint32_t uid;
	uint64_t inode;		/* 0 when the kernel does not say */
	uint64_t cookie;	/* sock_diag only; 0 from /proc */
};

struct event;

/* Fill a net.connect_attempted event from what a fallback saw: no pid
 * (guest_pid 0, comm ""), the uid when known, src, dst and state. */
void netsock_event(const struct netsock *ns, struct event *ev,
		   uint64_t mono_ns);
