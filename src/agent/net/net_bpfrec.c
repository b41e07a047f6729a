/*
 * net_bpfrec.c: bytes of one ring-buffer record -> struct netrec -> event.
 *
 * Pure: reads only the bytes given, trusts none of them.  The kernel
 * wrote them, but a parser that cannot be fuzzed is a parser we guess at.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include "lib/bytes.h"
#include "wire/event.h"
#include "net_addr.h"
#include "net_bpfrec.h"

/* The family of a hook: connect6/sendmsg6/bind6 read user_ip6 (v4-mapped
 * addresses included), connect4/sendmsg4/bind4 user_ip4. */
static int attach_family(uint32_t attach)
{
	switch (attach) {
	case BPF_CGROUP_INET4_CONNECT:
	case BPF_CGROUP_UDP4_SENDMSG:
	case BPF_CGROUP_INET4_BIND:
		return AF_INET;
	case BPF_CGROUP_INET6_CONNECT:
	case BPF_CGROUP_UDP6_SENDMSG:
	case BPF_CGROUP_INET6_BIND:
		return AF_INET6;
	}
	return -1;
}

int netrec_parse(const uint8_t *p, size_t n, struct netrec *r)
{
	uint64_t v;
	uint16_t port;

	if (n < NETREC_SIZE || ne32_get(p, NETREC_OFF_MAGIC) != NETREC_MAGIC)
		return -1;
	memset(r, 0, sizeof(*r));
	r->attach = ne32_get(p, NETREC_OFF_ATTACH);
	if (attach_family(r->attach) < 0)
		return -1;
	r->family = (uint32_t)attach_family(r->attach);
	v = ne64_get(p, NETREC_OFF_PIDTGID);
	r->pid = (uint32_t)(v >> 32);
	r->tid = (uint32_t)v;
	v = ne64_get(p, NETREC_OFF_UIDGID);
	r->uid = (uint32_t)v;
	r->gid = (uint32_t)(v >> 32);
	r->ktime_ns = ne64_get(p, NETREC_OFF_KTIME);
	r->cookie = ne64_get(p, NETREC_OFF_COOKIE);
	r->type = ne32_get(p, NETREC_OFF_TYPE);
	r->protocol = ne32_get(p, NETREC_OFF_PROTO);
	/* user_port keeps the network-order port in its low 16 bits. */
	port = (uint16_t)(ne32_get(p, NETREC_OFF_PORT) & 0xffff);
	r->port = ntohs(port);
	memcpy(r->addr, p + NETREC_OFF_ADDR, sizeof(r->addr));
	memcpy(r->comm, p + NETREC_OFF_COMM, sizeof(r->comm));
	r->comm_len = (uint8_t)strnlen(r->comm, sizeof(r->comm));
	return 0;
}

void netrec_event(const struct netrec *r, struct event *ev)
{
	char buf[NETADDR_TEXT_MAX];
	const char *s;
	int n;

	event_init(ev, PS_NET_CONNECT_ATTEMPTED, r->pid, r->ktime_ns);
	event_set_bytes(ev, EVK_GUEST_COMM, r->comm, r->comm_len);
	event_set_uint(ev, EVK_UID, r->uid);
	s = netaddr_proto((int)r->protocol, buf, sizeof(buf));
	event_set_text(ev, EVK_PROTO, s, strlen(s));
	s = netaddr_family((int)r->family);
	event_set_text(ev, EVK_FAMILY, s, strlen(s));
	n = netaddr_fmt(buf, sizeof(buf), (int)r->family, r->addr, r->port);
	if (n > 0)
		event_set_text(ev, EVK_DST, buf, (size_t)n);
}
