/*
 * net_addr.c: text forms of addresses, families, protocols and TCP states
 * for net.* events.  Pure; the caller owns every buffer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/nitems.h"
#include "net_addr.h"

int netaddr_fmt(char *out, size_t cap, int family, const uint8_t *addr,
		uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (family != AF_INET && family != AF_INET6)
		return -1;
	if (!inet_ntop(family, addr, a, sizeof(a)))
		return -1;
	if (family == AF_INET)
		n = snprintf(out, cap, "%s:%u", a, (unsigned)port);
	else
		n = snprintf(out, cap, "[%s]:%u", a, (unsigned)port);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

const char *netaddr_family(int family)
{
	if (family == AF_INET)
		return "ipv4";
	if (family == AF_INET6)
		return "ipv6";
	return NULL;
}

const char *netaddr_proto(int proto, char *buf, size_t cap)
{
	switch (proto) {
	case IPPROTO_TCP:	return "tcp";
	case IPPROTO_UDP:	return "udp";
	case IPPROTO_UDPLITE:	return "udplite";
	case IPPROTO_ICMP:	return "icmp";
	case IPPROTO_ICMPV6:	return "icmpv6";
	case IPPROTO_SCTP:	return "sctp";
	case 262:		return "mptcp";	/* IPPROTO_MPTCP, newer headers */
	}
	snprintf(buf, cap, "ip%d", proto);
	return buf;
}

/* Index = the kernel's TCP state number (include/net/tcp_states.h). */
static const char *const tcp_states[] = {
	NULL, "established", "syn-sent", "syn-recv", "fin-wait1",
	"fin-wait2", "time-wait", "close", "close-wait", "last-ack",
	"listen", "closing", "new-syn-recv", "bound-inactive",
};

const char *netaddr_tcp_state(int state)
{
	if (state <= 0 || (size_t)state >= nitems(tcp_states))
		return NULL;
	return tcp_states[state];
}

int netaddr_is_zero(const uint8_t *addr, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (addr[i])
			return 0;
	return 1;
}
