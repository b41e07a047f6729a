/*
 * net_procnet.c: one /proc/net/{tcp,udp}{,6} line -> struct netsock.
 *
 *   sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when
 *   retrnsmt uid timeout inode ...
 *
 * Pure and bounded by n; a line that does not have this shape is
 * PROCNET_BAD.  It reads no file (net_poll.c does).
 */
#include <string.h>
#include <sys/socket.h>
#include "lib/scan.h"
#include "net_procnet.h"

/* The next whitespace-separated token of s[*i..n). */
static int token(const char *s, size_t n, size_t *i, const char **t,
		 size_t *tn)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	*t = s + *i;
	while (*i < n && s[*i] != ' ' && s[*i] != '\t')
		(*i)++;
	*tn = (size_t)(s + *i - *t);
	return *tn ? 0 : -1;
}

/* Exactly len hex digits (at most 8) -> *v. */
static int hexn(const char *s, size_t len, uint32_t *v)
{
	uint64_t x;

	if (scan_hex_all(s, len, UINT32_MAX, &x) < 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* "HEXADDR:PORT": 8 or 32 hex digits of native-order words, 4 of port. */
static int addrport(const char *s, size_t n, int family, uint8_t *addr,
		    uint16_t *port)
{
	size_t words = family == AF_INET6 ? 4 : 1, w;
	uint32_t v;

	if (n != words * 8 + 5 || s[words * 8] != ':')
		return -1;
	for (w = 0; w < words; w++) {
		if (hexn(s + w * 8, 8, &v) < 0)
			return -1;
		memcpy(addr + w * 4, &v, 4);
	}
	if (hexn(s + words * 8 + 1, 4, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int procnet_line(const char *s, size_t n, int family, int proto,
		 struct netsock *ns)
{
	const char *t[10];
	size_t tn[10], i = 0, k;
	uint32_t st;
	uint64_t v;

	for (k = 0; k < 10; k++)
		if (token(s, n, &i, &t[k], &tn[k]) < 0)
			return PROCNET_BAD;
	if (tn[0] == 2 && memcmp(t[0], "sl", 2) == 0)
		return PROCNET_HEADER;
	memset(ns, 0, sizeof(*ns));
	ns->family = (uint8_t)family;
	ns->proto = (uint8_t)proto;
	if (t[0][tn[0] - 1] != ':' ||
	    addrport(t[1], tn[1], family, ns->src, &ns->sport) < 0 ||
	    addrport(t[2], tn[2], family, ns->dst, &ns->dport) < 0 ||
	    tn[3] != 2 || hexn(t[3], 2, &st) < 0)
		return PROCNET_BAD;
	ns->state = (uint8_t)st;
	if (scan_dec_all(t[7], tn[7], UINT32_MAX, &v) < 0)
		return PROCNET_BAD;
	ns->uid = (uint32_t)v;
	if (scan_dec_all(t[9], tn[9], UINT64_MAX, &ns->inode) < 0)
		return PROCNET_BAD;
	/* TIME_WAIT entries have no socket any more: uid and inode read 0. */
	ns->has_uid = ns->inode != 0;
	return PROCNET_SOCK;
}
