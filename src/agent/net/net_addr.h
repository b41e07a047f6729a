/*
 * net_addr.h: the text forms net.* events carry (doc/WIRE.md §4): `addr:port`
 * with IPv6 as `[addr]:port`, family and protocol names, TCP state names.
 *
 * Pure functions; no sockets, no allocation.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Largest text netaddr_fmt writes, NUL included. */
#define NETADDR_TEXT_MAX	56

/* Write "1.2.3.4:80" or "[::1]:80" for addr (4 or 16 bytes, network
 * order) and a host-order port.  Returns the length, or -1 for an unknown
 * family or a too small buffer. */
int netaddr_fmt(char *out, size_t cap, int family, const uint8_t *addr,
		uint16_t port);
/* "ipv4", "ipv6", or NULL. */
const char *netaddr_family(int family);
/* "tcp", "udp", ... for an IP protocol number; "ip<N>" for others, written
 * into buf (at least 8 bytes). */
const char *netaddr_proto(int proto, char *buf, size_t cap);
/* The kernel's TCP state number as a word ("syn-sent"), NULL if unknown. */
const char *netaddr_tcp_state(int state);
/* 1 when the first n bytes of addr are all zero. */
int netaddr_is_zero(const uint8_t *addr, size_t n);
