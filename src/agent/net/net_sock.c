/*
 * net_sock.c: a socket the fallbacks saw -> net.connect_attempted, and
 * the outcome events they can make of it.
 *
 * sock_diag and /proc/net carry no pid: the event says guest_pid 0 and an
 * empty comm (the socket may even be shared by several processes).
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "wire/event.h"
#include "net_addr.h"
#include "net_sock.h"

/* One text key from a C string. */
static void set_str(struct event *ev, int key, const char *s)
{
	if (s)
		event_set_text(ev, key, s, strlen(s));
}

/* One `addr:port` key. */
static void set_end(struct event *ev, int key, const struct netsock *ns,
		    const uint8_t *addr, uint16_t port)
{
	char buf[NETADDR_TEXT_MAX];
	int n = netaddr_fmt(buf, sizeof(buf), ns->family, addr, port);

	if (n > 0)
		event_set_text(ev, key, buf, (size_t)n);
}

/* What every event of a socket carries: no pid, the uid when known,
 * protocol, family and both ends (passive: the peer is `src`). */
static void base(const struct netsock *ns, int source, int passive,
		 struct event *ev, uint64_t mono_ns)
{
	char buf[16];

	event_init(ev, source, 0, mono_ns);
	if (ns->has_uid)
		event_set_uint(ev, EVK_UID, ns->uid);
	set_str(ev, EVK_PROTO, netaddr_proto(ns->proto, buf, sizeof(buf)));
	set_str(ev, EVK_FAMILY, netaddr_family(ns->family));
	set_end(ev, EVK_SRC, ns, passive ? ns->dst : ns->src,
		passive ? ns->dport : ns->sport);
	set_end(ev, EVK_DST, ns, passive ? ns->src : ns->dst,
		passive ? ns->sport : ns->dport);
}

void netsock_event(const struct netsock *ns, struct event *ev,
		   uint64_t mono_ns)
{
	base(ns, PS_NET_CONNECT_ATTEMPTED, 0, ev, mono_ns);
	set_str(ev, EVK_STATE, netaddr_tcp_state(ns->state));
}

int netsock_established(const struct netsock *ns)
{
	if (ns->has_info)
		return ns->bytes_acked > 0;	/* the SYN counts one */
	return ns->state != 2 && ns->state != 7;	/* SYN_SENT, CLOSE */
}

void netsock_outcome(const struct netsock *ns, int source, int passive,
		     struct event *ev, uint64_t mono_ns)
{
	base(ns, source, passive, ev, mono_ns);
	if (source == PS_NET_CONNECT_RESULT)
		set_str(ev, EVK_RESULT, netsock_established(ns) ? "established"
							       : "failed");
	if (source != PS_NET_CLOSED)
		return;
	set_str(ev, EVK_DIRECTION, passive ? "inbound" : "outbound");
	set_str(ev, EVK_STATE, netaddr_tcp_state(ns->state));
	if (ns->has_info) {
		event_set_uint(ev, EVK_BYTES_SENT, ns->bytes_sent);
		event_set_uint(ev, EVK_BYTES_RECEIVED, ns->bytes_received);
	}
}
