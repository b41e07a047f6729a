/*
 * net_addr.c: text forms of addresses, families, protocols and TCP states
 * for net.* events.  Pure; the caller owns every buffer.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/fmt.h"
#include "lib/nitems.h"
#include "net_addr.h"

/* a.b.c.d of 4 bytes; its length.  (inet_ntop would bring stdio.) */
static size_t ip4_text(char *out, const uint8_t *a)
{
	return (size_t)fmt_str(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* The longest run of two or more zero groups (the first of equals), as
 * RFC 5952 4.2 has it: *at its first group, its length (0: none). */
static int zero_run(const uint16_t *g, int *at)
{
	int i, n, best = 0;

	for (i = 0; i < 8; i += n ? n : 1) {
		for (n = 0; i + n < 8 && g[i + n] == 0; n++)
			;
		if (n > best && n >= 2)
			best = n, *at = i;
	}
	return best;
}

/* RFC 5952 text of 16 bytes: lower-case hex without leading zeros, the
 * longest zero run as "::", ::ffff:a.b.c.d for a v4-mapped address. */
static size_t ip6_text(char *out, const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint16_t g[8];
	int i, at = -1, run;
	size_t n = 0;

	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		memcpy(out, "::ffff:", 7);
		return 7 + ip4_text(out + 7, a + 12);
	}
	for (i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	run = zero_run(g, &at);
	for (i = 0; i < 8; i++) {
		if (i == at) {
			out[n++] = ':';
			if (i == 0)
				out[n++] = ':';
			i += run - 1;
			continue;
		}
		n += (size_t)fmt_str(out + n, 6, "%x%s", g[i], i < 7 ? ":" : "");
	}
	out[n] = '\0';
	return n;
}

int netaddr_fmt(char *out, size_t cap, int family, const uint8_t *addr,
		uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (family != AF_INET && family != AF_INET6)
		return -1;
	if (family == AF_INET)
		ip4_text(a, addr);
	else
		ip6_text(a, addr);
	if (family == AF_INET)
		n = fmt_str(out, cap, "%s:%u", a, (unsigned)port);
	else
		n = fmt_str(out, cap, "[%s]:%u", a, (unsigned)port);
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
	fmt_str(buf, cap, "ip%d", proto);
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
