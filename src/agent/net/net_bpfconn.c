/*
 * net_bpfconn.c: bytes of one sent connection entry -> struct netconn ->
 * net.connect_result, net.accepted or net.closed.
 *
 * Pure, like net_bpfrec.c: reads only the bytes given and trusts none.
 * The orientation of `src` and `dst` follows the connection (who
 * connected to whom), as in net.connect_attempted: an accepted
 * connection's `src` is the peer; `direction` says which end is ours.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include "lib/bytes.h"
#include "lib/nitems.h"
#include "wire/event.h"
#include "net_addr.h"
#include "net_bpfconn.h"

static const char *const results[NETCONN_R_N] = {
	[NETCONN_R_ESTABLISHED] = "established",
	[NETCONN_R_REFUSED] = "refused",
	[NETCONN_R_TIMEOUT] = "timeout",
	[NETCONN_R_UNREACHABLE] = "unreachable",
	[NETCONN_R_ABORTED] = "aborted",
	[NETCONN_R_FAILED] = "failed",
};

const char *netconn_result_name(uint32_t result)
{
	return result < nitems(results) ? results[result] : NULL;
}

int netconn_parse(const uint8_t *p, size_t n, struct netconn *c)
{
	if (n < NETCONN_SIZE || ne32_get(p, NETCONN_OFF_MAGIC) != NETCONN_MAGIC)
		return -1;
	memset(c, 0, sizeof(*c));
	c->kind = ne32_get(p, NETCONN_OFF_KIND);
	c->status = ne32_get(p, NETCONN_OFF_STATUS);
	c->flags = ne32_get(p, NETCONN_OFF_FLAGS);
	c->result = ne32_get(p, NETCONN_OFF_RESULT);
	c->family = ne32_get(p, NETCONN_OFF_FAMILY);
	if (c->kind < NETCONN_K_RESULT || c->kind > NETCONN_K_CLOSED ||
	    (c->family != AF_INET && c->family != AF_INET6) ||
	    (c->kind == NETCONN_K_RESULT && !netconn_result_name(c->result)))
		return -1;
	c->now_ns = ne64_get(p, NETCONN_OFF_NOW);
	c->est_ns = ne64_get(p, NETCONN_OFF_EST);
	c->sent = ne64_get(p, NETCONN_OFF_SENT);
	c->rcvd = ne64_get(p, NETCONN_OFF_RCVD);
	c->dgrams = ne64_get(p, NETCONN_OFF_DGRAMS);
	c->oldstate = ne32_get(p, NETCONN_OFF_OLDSTATE);
	c->rcv_fw2 = ne32_get(p, NETCONN_OFF_RCVFW2);
	c->snd_una = ne32_get(p, NETCONN_OFF_SNDUNA);
	c->snd_nxt = ne32_get(p, NETCONN_OFF_SNDNXT);
	c->rcv_nxt = ne32_get(p, NETCONN_OFF_RCVNXT);
	c->lport = (uint16_t)ne32_get(p, NETCONN_OFF_LPORT);
	c->rport = ntohs((uint16_t)(ne32_get(p, NETCONN_OFF_RPORT) & 0xffff));
	memcpy(c->laddr, p + NETCONN_OFF_LADDR, sizeof(c->laddr));
	memcpy(c->raddr, p + NETCONN_OFF_RADDR, sizeof(c->raddr));
	c->has_rec = netrec_parse(p + NETCONN_OFF_REC, NETREC_SIZE, &c->rec) == 0;
	if (!c->has_rec && c->kind != NETCONN_K_ACCEPTED)
		return -1;
	return 0;
}

int netconn_stale(const uint8_t *v, size_t n, uint64_t now, uint64_t ttl_ns)
{
	uint32_t status, attach, proto;
	uint64_t since;

	if (n < NETCONN_SIZE)
		return 0;
	status = ne32_get(v, NETCONN_OFF_STATUS);
	attach = ne32_get(v, NETCONN_OFF_REC + NETREC_OFF_ATTACH);
	proto = ne32_get(v, NETCONN_OFF_REC + NETREC_OFF_PROTO);
	if (status == NETCONN_S_PENDING && proto == IPPROTO_TCP &&
	    (attach == BPF_CGROUP_INET4_CONNECT ||
	     attach == BPF_CGROUP_INET6_CONNECT))
		since = ne64_get(v, NETCONN_OFF_REC + NETREC_OFF_KTIME);
	else if (status != NETCONN_S_PENDING &&
		 (ne32_get(v, NETCONN_OFF_FLAGS) & NETCONN_F_RELEASED))
		since = ne64_get(v, NETCONN_OFF_NOW);
	else
		return 0;
	return now > since && now - since > ttl_ns;
}

void netconn_payload(const struct netconn *c, uint64_t *sent, uint64_t *rcvd)
{
	uint32_t st = c->oldstate;
	int syn = c->status == NETCONN_S_OUT;
	int fin_acked = st == BPF_TCP_FIN_WAIT2 ||
		((st == BPF_TCP_CLOSING || st == BPF_TCP_LAST_ACK) &&
		 c->snd_una == c->snd_nxt);
	int fin_rcvd = st == BPF_TCP_CLOSE_WAIT || st == BPF_TCP_LAST_ACK ||
		st == BPF_TCP_CLOSING ||
		(st == BPF_TCP_FIN_WAIT2 && c->rcv_nxt != c->rcv_fw2);
	uint64_t ctl = (uint64_t)syn + (uint64_t)fin_acked;

	*sent = c->sent > ctl ? c->sent - ctl : 0;
	*rcvd = c->rcvd > (uint64_t)fin_rcvd ? c->rcvd - (uint64_t)fin_rcvd : 0;
}

/* One `addr:port` key; nothing when the port is 0 (no end known). */
static void set_end(struct event *ev, int key, int family,
		    const uint8_t *addr, uint16_t port)
{
	char buf[NETADDR_TEXT_MAX];
	int n;

	if (port == 0)
		return;
	n = netaddr_fmt(buf, sizeof(buf), family, addr, port);
	if (n > 0)
		event_set_text(ev, key, buf, (size_t)n);
}

/* One text key from a C string. */
static void set_str(struct event *ev, int key, const char *s)
{
	if (s)
		event_set_text(ev, key, s, strlen(s));
}

/* The five v1.0 keys, uid and protocol: the caller's, from the record. */
static void base(const struct netconn *c, int source, struct event *ev)
{
	char buf[16];
	int proto = c->has_rec ? (int)c->rec.protocol : IPPROTO_TCP;

	event_init(ev, source, c->has_rec ? c->rec.pid : 0, c->now_ns);
	if (c->has_rec) {
		event_set_bytes(ev, EVK_GUEST_COMM, c->rec.comm, c->rec.comm_len);
		event_set_uint(ev, EVK_UID, c->rec.uid);
	}
	set_str(ev, EVK_PROTO, netaddr_proto(proto, buf, sizeof(buf)));
	set_str(ev, EVK_FAMILY, netaddr_family((int)c->family));
}

/* The call's destination, as net.connect_attempted wrote it (by the
 * hook's family); the socket's remote end when the call named none. */
static void set_dst(const struct netconn *c, struct event *ev)
{
	if (c->rec.port && (c->rec.attach == BPF_CGROUP_INET4_CONNECT ||
			    c->rec.attach == BPF_CGROUP_INET6_CONNECT ||
			    c->rec.attach == BPF_CGROUP_UDP4_SENDMSG ||
			    c->rec.attach == BPF_CGROUP_UDP6_SENDMSG))
		set_end(ev, EVK_DST, (int)c->rec.family, c->rec.addr,
			c->rec.port);
	else
		set_end(ev, EVK_DST, (int)c->family, c->raddr, c->rport);
}

/* ns since `since`, when that is known and not in the future. */
static void set_duration(struct event *ev, uint64_t now, uint64_t since)
{
	if (since && now >= since)
		event_set_uint(ev, EVK_DURATION_NS, now - since);
}

static void result_event(const struct netconn *c, struct event *ev)
{
	base(c, PS_NET_CONNECT_RESULT, ev);
	set_end(ev, EVK_SRC, (int)c->family, c->laddr, c->lport);
	set_dst(c, ev);
	set_str(ev, EVK_RESULT, netconn_result_name(c->result));
	set_duration(ev, c->now_ns, c->rec.ktime_ns);
}

static void accepted_event(const struct netconn *c, struct event *ev)
{
	base(c, PS_NET_ACCEPTED, ev);
	set_end(ev, EVK_SRC, (int)c->family, c->raddr, c->rport);
	set_end(ev, EVK_DST, (int)c->family, c->laddr, c->lport);
}

static void closed_event(const struct netconn *c, struct event *ev)
{
	int udp = c->rec.protocol == IPPROTO_UDP;
	uint64_t sent = c->sent, rcvd = 0;

	if (!udp)
		netconn_payload(c, &sent, &rcvd);
	base(c, PS_NET_CLOSED, ev);
	if (c->status == NETCONN_S_IN) {
		set_end(ev, EVK_SRC, (int)c->family, c->raddr, c->rport);
		set_end(ev, EVK_DST, (int)c->family, c->laddr, c->lport);
		set_str(ev, EVK_DIRECTION, "inbound");
	} else {
		set_end(ev, EVK_SRC, (int)c->family, c->laddr, c->lport);
		set_dst(c, ev);
		set_str(ev, EVK_DIRECTION, "outbound");
	}
	set_duration(ev, c->now_ns, udp ? c->rec.ktime_ns : c->est_ns);
	event_set_uint(ev, EVK_BYTES_SENT, sent);
	if (udp)
		event_set_uint(ev, EVK_DATAGRAMS_SENT, c->dgrams);
	else
		event_set_uint(ev, EVK_BYTES_RECEIVED, rcvd);
}

void netconn_event(const struct netconn *c, struct event *ev)
{
	if (c->kind == NETCONN_K_RESULT)
		result_event(c, ev);
	else if (c->kind == NETCONN_K_ACCEPTED)
		accepted_event(c, ev);
	else
		closed_event(c, ev);
}
