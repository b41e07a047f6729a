/*
 * net_sock.c: a socket the fallbacks saw -> net.connect_attempted.
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

void netsock_event(const struct netsock *ns, struct event *ev,
		   uint64_t mono_ns)
{
	char buf[NETADDR_TEXT_MAX];
	int n;

	event_init(ev, PS_NET_CONNECT_ATTEMPTED, 0, mono_ns);
	if (ns->has_uid)
		event_set_uint(ev, EVK_UID, ns->uid);
	set_str(ev, EVK_PROTO, netaddr_proto(ns->proto, buf, sizeof(buf)));
	set_str(ev, EVK_FAMILY, netaddr_family(ns->family));
	n = netaddr_fmt(buf, sizeof(buf), ns->family, ns->src, ns->sport);
	if (n > 0)
		event_set_text(ev, EVK_SRC, buf, (size_t)n);
	n = netaddr_fmt(buf, sizeof(buf), ns->family, ns->dst, ns->dport);
	if (n > 0)
		event_set_text(ev, EVK_DST, buf, (size_t)n);
	set_str(ev, EVK_STATE, netaddr_tcp_state(ns->state));
}
