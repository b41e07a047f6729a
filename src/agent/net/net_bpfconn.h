/*
 * net_bpfconn.h: the net probe's connection entry, and its pure parser.
 *
 * One layout for two things: the value of the connection table (a BPF
 * hash keyed by socket cookie, written by the connect/sendmsg/bind hooks
 * with the caller's pid, uid and comm, then updated by the sock_ops,
 * sock_release and egress programs), and the outcome record those
 * programs send through the ring buffer: they fill the outcome's fields
 * into the entry in place and send the entry itself (no copy).  The
 * entry's tail is the netrec (net_bpfrec.h) of the call that made it, so
 * an outcome keeps the identity of the process that called connect, even
 * when it is decided in softirq context.  Host byte order, except the
 * addresses and the remote port (network order, low 16 bits).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "net_bpfrec.h"

struct event;

#define NETCONN_MAGIC		0x324e5443u	/* "CTN2" in memory */
#define NETCONN_OFF_MAGIC	0	/* u32: set when sent */
#define NETCONN_OFF_KIND	4	/* u32: enum netconn_kind, set when sent */
#define NETCONN_OFF_STATUS	8	/* u32: enum netconn_status */
#define NETCONN_OFF_FLAGS	12	/* u32: NETCONN_F_* */
#define NETCONN_OFF_NOW		16	/* u64: ktime of the outcome (or release) */
#define NETCONN_OFF_EST		24	/* u64: ktime the TCP connection was set up */
#define NETCONN_OFF_SENT	32	/* u64: TCP bytes_acked; UDP payload bytes */
#define NETCONN_OFF_RCVD	40	/* u64: TCP bytes_received */
#define NETCONN_OFF_DGRAMS	48	/* u64: UDP datagrams sent */
#define NETCONN_OFF_RESULT	56	/* u32: enum netconn_result */
#define NETCONN_OFF_FAMILY	60	/* u32: the socket's family */
#define NETCONN_OFF_LPORT	64	/* u32: local port, host order */
#define NETCONN_OFF_RPORT	68	/* u32: remote port, network order, low 16 bits */
#define NETCONN_OFF_LADDR	72	/* 16 bytes: local address */
#define NETCONN_OFF_RADDR	88	/* 16 bytes: remote address */
/* TCP's sequence state at the close, so that the SYN and FINs counted in
 * bytes_acked/bytes_received can be taken out (netconn_payload). */
#define NETCONN_OFF_OLDSTATE	104	/* u32: the state TCP_CLOSE came from */
#define NETCONN_OFF_RCVFW2	108	/* u32: rcv_nxt when FIN_WAIT2 began */
#define NETCONN_OFF_SNDUNA	112	/* u32: snd_una at the close */
#define NETCONN_OFF_SNDNXT	116	/* u32: snd_nxt at the close */
#define NETCONN_OFF_RCVNXT	120	/* u32: rcv_nxt at the close */
#define NETCONN_OFF_REC		128	/* NETREC_SIZE: the record of the call */
#define NETCONN_SIZE		(NETCONN_OFF_REC + NETREC_SIZE)

/* What a sent entry reports. */
enum netconn_kind {
	NETCONN_K_RESULT = 1,	/* net.connect_result */
	NETCONN_K_ACCEPTED,	/* net.accepted */
	NETCONN_K_CLOSED,	/* net.closed */
};

/* Where the connection stands (0: as the hook wrote it). */
enum netconn_status {
	NETCONN_S_PENDING = 0,	/* connect/bind/sendmsg seen, no outcome yet */
	NETCONN_S_OUT,		/* an outbound TCP connection, established */
	NETCONN_S_IN,		/* an accepted TCP connection */
};

#define NETCONN_F_EXPIRED	1u	/* the SYN retries ran out (RTO_CB) */
#define NETCONN_F_ABORTED	2u	/* the socket was closed while connecting */
#define NETCONN_F_RELEASED	4u	/* its fd is closed; TCP's close is due */

enum netconn_result {
	NETCONN_R_ESTABLISHED = 0,
	NETCONN_R_REFUSED,	/* a reset answered the SYN */
	NETCONN_R_TIMEOUT,	/* no answer: the kernel gave up */
	NETCONN_R_UNREACHABLE,	/* it ended without an answer or a timeout: ICMP */
	NETCONN_R_ABORTED,	/* closed by its owner before an outcome */
	NETCONN_R_FAILED,	/* refused locally before any packet (no route, ...) */
	NETCONN_R_N
};

struct netconn {
	uint32_t kind, status, flags, result;
	uint64_t now_ns, est_ns, sent, rcvd, dgrams;
	uint32_t oldstate, rcv_fw2, snd_una, snd_nxt, rcv_nxt;
	uint32_t family;		/* the socket's: AF_INET6 for v4-mapped */
	uint16_t lport, rport;		/* host order */
	uint8_t laddr[16], raddr[16];	/* network order; IPv4 in 4 bytes */
	int has_rec;			/* 0: an accepted one, listener unknown */
	struct netrec rec;		/* the call's: pid, uid, comm, dst */
};

/* Parse one sent entry: 0, or -1 when it is short, a magic, kind,
 * family or result is wrong, or (but for an accepted connection whose
 * listener is unknown) the record of the call does not parse.  Pure. */
int netconn_parse(const uint8_t *p, size_t n, struct netconn *c);
/* A closed TCP connection's payload bytes: bytes_acked and bytes_received
 * count sequence space, so the SYN of an outbound connection, our FIN
 * once acknowledged and the peer's FIN once received are taken out:
 * ours was acknowledged when TCP closed from FIN_WAIT2, or from CLOSING
 * or LAST_ACK with nothing unacknowledged; the peer's was received when
 * TCP closed from CLOSE_WAIT, LAST_ACK or CLOSING, or from FIN_WAIT2
 * after rcv_nxt moved on (FIN_WAIT2 ends by the peer's FIN, or as an
 * orphan turned into a time-wait socket with nothing more read).  Pure. */
void netconn_payload(const struct netconn *c, uint64_t *sent, uint64_t *rcvd);
/* Fill the event a parsed entry reports. */
void netconn_event(const struct netconn *c, struct event *ev);
/* 1 when a table entry (the value bytes, n of them) waited longer than
 * ttl_ns at now for an outcome that will not come: a connect still
 * pending since its call, or a connection whose fd was closed that long
 * ago (TCP's close never reached the program).  Listeners, UDP sockets
 * and open connections are never stale.  Pure. */
int netconn_stale(const uint8_t *v, size_t n, uint64_t now, uint64_t ttl_ns);
/* The word of a result ("refused"), NULL for none. */
const char *netconn_result_name(uint32_t result);
