/*
 * net_diagmsg.c: NETLINK_SOCK_DIAG bytes -> struct netsock, and the dump
 * request.
 *
 * Pure: the caller owns the socket and the buffers.  A message is checked
 * against the datagram's length before any field is read; attributes are
 * walked the same way.  Only INET_DIAG_PROTOCOL and, of INET_DIAG_INFO
 * (TCP's struct tcp_info), the byte counters are read from them; a
 * tcp_info too short for them (a kernel before 4.19) leaves has_info 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include "lib/bytes.h"
#include "net_diagmsg.h"

#define ALIGN4(x) (((x) + 3u) & ~(size_t)3u)
#define TCPI(f)	offsetof(struct tcp_info, f)

/* The byte counters of a tcp_info of n bytes (the kernel's own size). */
static void tcp_info_bytes(const uint8_t *p, size_t n, struct netsock *ns)
{
	if (n < TCPI(tcpi_bytes_retrans) + 8)
		return;
	ns->has_info = 1;
	ns->bytes_acked = ne64_get(p, TCPI(tcpi_bytes_acked));
	ns->bytes_received = ne64_get(p, TCPI(tcpi_bytes_received));
	ns->bytes_sent = ne64_get(p, TCPI(tcpi_bytes_sent));
	if (ns->bytes_sent >= ne64_get(p, TCPI(tcpi_bytes_retrans)))
		ns->bytes_sent -= ne64_get(p, TCPI(tcpi_bytes_retrans));
}

/* The attributes: the protocol (when there is none: proto), tcp_info. */
static void attrs(const uint8_t *p, size_t n, int proto, struct netsock *ns)
{
	struct nlattr a;
	size_t off = 0, len;

	ns->proto = (uint8_t)proto;
	while (off + sizeof(a) <= n) {
		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < sizeof(a) || a.nla_len > n - off)
			break;
		len = a.nla_len - sizeof(a);
		if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_PROTOCOL && len >= 1)
			ns->proto = p[off + sizeof(a)];
		else if ((a.nla_type & NLA_TYPE_MASK) == INET_DIAG_INFO)
			tcp_info_bytes(p + off + sizeof(a), len, ns);
		off += ALIGN4(a.nla_len);
	}
	if (ns->proto != IPPROTO_TCP)
		ns->has_info = 0;
}

/* An inet_diag_msg (checked to fit) and its attributes -> *ns. */
static void fill_sock(const uint8_t *p, size_t n, int proto,
		      struct netsock *ns)
{
	struct inet_diag_msg m;
	size_t alen;

	memcpy(&m, p, sizeof(m));
	memset(ns, 0, sizeof(*ns));
	ns->family = m.idiag_family;
	ns->state = m.idiag_state;
	ns->sport = ntohs(m.id.idiag_sport);
	ns->dport = ntohs(m.id.idiag_dport);
	alen = m.idiag_family == AF_INET6 ? 16 : 4;
	memcpy(ns->src, m.id.idiag_src, alen);
	memcpy(ns->dst, m.id.idiag_dst, alen);
	ns->uid = m.idiag_uid;
	ns->inode = m.idiag_inode;
	ns->cookie = (uint64_t)m.id.idiag_cookie[1] << 32 | m.id.idiag_cookie[0];
	/* A destroy message has neither uid nor inode: both read 0. */
	ns->has_uid = m.idiag_inode != 0;
	attrs(p + sizeof(m), n - sizeof(m), proto, ns);
}

int sockdiag_next(struct sockdiag_it *it, int proto, struct netsock *ns,
		  int *err)
{
	struct nlmsghdr h;
	const uint8_t *p;
	size_t n;
	int e;

	if (it->off >= it->len)
		return SOCKDIAG_END;
	if (it->len - it->off < sizeof(h))
		return SOCKDIAG_BAD;
	memcpy(&h, it->buf + it->off, sizeof(h));
	if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > it->len - it->off)
		return SOCKDIAG_BAD;
	p = it->buf + it->off + NLMSG_HDRLEN;
	n = h.nlmsg_len - NLMSG_HDRLEN;
	it->off += ALIGN4(h.nlmsg_len);
	it->seq = h.nlmsg_seq;
	switch (h.nlmsg_type) {
	case NLMSG_DONE:
		return SOCKDIAG_DONE;
	case NLMSG_ERROR:
		if (n < sizeof(int))
			return SOCKDIAG_BAD;
		memcpy(&e, p, sizeof(e));
		/* -errno, or 0 for an ack; anything else is no errno (and
		 * -INT_MIN would overflow) */
		*err = e <= 0 && e >= -4095 ? -e : EPROTO;
		return SOCKDIAG_ERROR;
	case SOCK_DIAG_BY_FAMILY:
		if (n < sizeof(struct inet_diag_msg))
			return SOCKDIAG_BAD;
		fill_sock(p, n, proto, ns);
		if (ns->family != AF_INET && ns->family != AF_INET6)
			return SOCKDIAG_SKIP;
		return SOCKDIAG_SOCK;
	}
	return SOCKDIAG_SKIP;
}

size_t sockdiag_dump_req(uint8_t *buf, size_t cap, uint32_t seq, int family,
			 int proto, uint32_t states)
{
	struct nlmsghdr h;
	struct inet_diag_req_v2 r;
	size_t len = NLMSG_HDRLEN + sizeof(r);

	if (cap < len)
		return 0;
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	h.nlmsg_len = (uint32_t)len;
	h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h.nlmsg_seq = seq;
	r.sdiag_family = (uint8_t)family;
	r.sdiag_protocol = (uint8_t)proto;
	r.idiag_states = states;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + NLMSG_HDRLEN, &r, sizeof(r));
	return len;
}

int sockdiag_group_proto(uint32_t groups, int *family)
{
	switch (groups) {
	case 1u << (SKNLGRP_INET_TCP_DESTROY - 1):
		*family = AF_INET;
		return IPPROTO_TCP;
	case 1u << (SKNLGRP_INET_UDP_DESTROY - 1):
		*family = AF_INET;
		return IPPROTO_UDP;
	case 1u << (SKNLGRP_INET6_TCP_DESTROY - 1):
		*family = AF_INET6;
		return IPPROTO_TCP;
	case 1u << (SKNLGRP_INET6_UDP_DESTROY - 1):
		*family = AF_INET6;
		return IPPROTO_UDP;
	}
	return 0;
}
