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
	/* sock_diag's tcp_info (INET_DIAG_INFO), when has_info */
	uint8_t has_info;
	uint64_t bytes_acked;	/* tcpi_bytes_acked: sequence space, SYN and
				 * FIN included */
	uint64_t bytes_sent;	/* tcpi_bytes_sent - tcpi_bytes_retrans:
				 * payload sent, each byte once */
	uint64_t bytes_received;	/* tcpi_bytes_received (a FIN counts 1) */
};

struct event;

/* Fill a net.connect_attempted event from what a fallback saw: no pid
 * (guest_pid 0, comm ""), the uid when known, src, dst and state. */
void netsock_event(const struct netsock *ns, struct event *ev,
		   uint64_t mono_ns);
/* The outcome events a fallback can make of a socket it saw, with no
 * pid either: net.connect_result (result "established" or "failed"),
 * net.accepted, net.closed (with the state it ended in and, with
 * tcp_info, its bytes).  passive: an accepted socket, whose `src` is
 * the peer (the connection's orientation, as the BPF events have it). */
void netsock_outcome(const struct netsock *ns, int source, int passive,
		     struct event *ev, uint64_t mono_ns);
/* A TCP socket that made a connect (not passive) got it established:
 * its SYN was acknowledged (tcp_info), or it is past SYN_SENT. */
int netsock_established(const struct netsock *ns);
