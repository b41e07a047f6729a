/*
 * net_diagmsg.h: NETLINK_SOCK_DIAG messages: the dump request we send and a
 * pure parser of what the kernel sends back (dump replies and the
 * SKNLGRP_*_DESTROY multicast messages, both inet_diag_msg + attributes).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "net_sock.h"

enum sockdiag_kind {
	SOCKDIAG_END = 0,	/* no more messages in the datagram */
	SOCKDIAG_SOCK,		/* a socket: *ns is filled */
	SOCKDIAG_DONE,		/* NLMSG_DONE: the dump is complete */
	SOCKDIAG_ERROR,		/* NLMSG_ERROR: *err is the errno (>0) */
	SOCKDIAG_SKIP,		/* another message type: ignore it */
	SOCKDIAG_BAD = -1,	/* malformed: stop reading this datagram */
};

/* A cursor over one received datagram. */
struct sockdiag_it {
	const uint8_t *buf;
	size_t len;
	size_t off;
	uint32_t seq;		/* nlmsg_seq of the message just returned */
};

/* Next message of the datagram.  proto is the protocol to assume when the
 * message has no INET_DIAG_PROTOCOL attribute (the dump's protocol, or the
 * destroy group's).  Pure. */
int sockdiag_next(struct sockdiag_it *it, int proto, struct netsock *ns,
		  int *err);
/* Build a SOCK_DIAG_BY_FAMILY dump request for family/proto and a mask of
 * TCP states (1 << state) into buf.  Returns its length, or 0 when cap is
 * too small.  Pure. */
size_t sockdiag_dump_req(uint8_t *buf, size_t cap, uint32_t seq, int family,
			 int proto, uint32_t states);
/* The protocol and family of a destroy group (SKNLGRP_*), from the group
 * bit mask of the sender address; 0 when the mask names no single group. */
int sockdiag_group_proto(uint32_t groups, int *family);
