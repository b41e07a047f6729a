/*
 * cap_auditmsg.c: audit netlink framing, the probe's rules, and the
 * AUDIT_SYSCALL record parser.
 *
 * Records are text: `audit(1700000000.123:45): arch=c000003e syscall=105
 * success=no exit=-1 ... pid=7 auid=... uid=65534 ... comm="python3"
 * exe="..."`.  A value the kernel thinks untrusted (spaces, quotes,
 * control bytes) is written as bare hex instead of a quoted string;
 * comm is decoded from either.  Pure: no socket here (cap_audit.c).
 */
#include <errno.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include "lib/scan.h"
#include "wire/event.h"
#include "cap_auditmsg.h"

#define ALIGN4(x) (((x) + 3u) & ~(size_t)3u)

/* Unsigned decimal (base 10) or hex (base 16) of exactly s[0..n). */
static int parse_u64(const char *s, size_t n, int base, uint64_t *v)
{
	return base == 16 ? scan_hex_all(s, n, UINT64_MAX, v) :
			    scan_dec_all(s, n, UINT64_MAX, v);
}

/* Like parse_u64, for a value that must fit 32 bits. */
static int parse_u32(const char *s, size_t n, int base, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, n, base, &x) < 0 || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* "audit(SEC.MS:SERIAL): " -> r; returns the offset after it or 0. */
static size_t parse_stamp(const char *s, size_t n, struct audit_rec *r)
{
	const char *dot, *colon, *close;

	if (n < 6 || memcmp(s, "audit(", 6) != 0)
		return 0;
	close = memchr(s, ')', n);
	if (!close)
		return 0;
	dot = memchr(s, '.', (size_t)(close - s));
	colon = dot ? memchr(dot, ':', (size_t)(close - dot)) : NULL;
	if (!colon || parse_u64(s + 6, (size_t)(dot - s - 6), 10, &r->sec) < 0 ||
	    parse_u32(dot + 1, (size_t)(colon - dot - 1), 10, &r->ms) < 0 ||
	    parse_u64(colon + 1, (size_t)(close - colon - 1), 10, &r->serial) < 0)
		return 0;
	if ((size_t)(close - s) + 1 < n && close[1] == ':')
		return (size_t)(close - s) + 2;
	return (size_t)(close - s) + 1;
}

/* comm="text" or comm=HEX (untrusted bytes) or comm=(null). */
static void parse_comm(const char *v, size_t n, struct audit_rec *r)
{
	uint32_t b;
	size_t i;

	r->comm_len = 0;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		n = n - 2 < sizeof(r->comm) ? n - 2 : sizeof(r->comm);
		memcpy(r->comm, v + 1, n);
		r->comm_len = (uint8_t)n;
		return;
	}
	if (n % 2)
		return;		/* "(null)" and anything odd: no comm */
	for (i = 0; i + 1 < n && r->comm_len < sizeof(r->comm); i += 2) {
		if (parse_u32(v + i, 2, 16, &b) < 0) {
			r->comm_len = 0;
			return;
		}
		r->comm[r->comm_len++] = (char)b;
	}
}

enum { HAVE_ARCH = 1, HAVE_SYSCALL = 2, HAVE_EXIT = 4, HAVE_PID = 8,
       HAVE_UID = 16, HAVE_ALL = 31 };

/* 1 when the key k[0..kn) is name. */
static int key_is(const char *k, size_t kn, const char *name)
{
	return strlen(name) == kn && memcmp(k, name, kn) == 0;
}

/* exit=-13 or exit=0 */
static int parse_exit(const char *v, size_t n, int64_t *x)
{
	uint64_t u;
	int neg = n > 0 && v[0] == '-';

	if (parse_u64(v + neg, n - (size_t)neg, 10, &u) < 0 ||
	    u > (uint64_t)INT64_MAX)
		return -1;
	*x = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

/* One key=value field into r; *have gains its bit.  -1: malformed. */
static int field(const char *k, size_t kn, const char *v, size_t vn,
		 struct audit_rec *r, unsigned *have)
{
	int rc = 0;

	if (key_is(k, kn, "arch")) {
		rc = parse_u32(v, vn, 16, &r->arch);
		*have |= HAVE_ARCH;
	} else if (key_is(k, kn, "syscall")) {
		rc = parse_u32(v, vn, 10, &r->syscall);
		*have |= HAVE_SYSCALL;
	} else if (key_is(k, kn, "exit")) {
		rc = parse_exit(v, vn, &r->exit);
		*have |= HAVE_EXIT;
	} else if (key_is(k, kn, "pid")) {
		rc = parse_u32(v, vn, 10, &r->pid);
		*have |= HAVE_PID;
	} else if (key_is(k, kn, "uid")) {
		rc = parse_u32(v, vn, 10, &r->uid);
		*have |= HAVE_UID;
	} else if (key_is(k, kn, "comm")) {
		parse_comm(v, vn, r);
	}
	return rc;
}

int audit_parse_syscall(const char *s, size_t n, struct audit_rec *r)
{
	const char *nul = memchr(s, '\0', n), *k, *v;
	size_t i, kn, vn;
	unsigned have = 0;

	if (nul)
		n = (size_t)(nul - s);
	memset(r, 0, sizeof(*r));
	i = parse_stamp(s, n, r);
	if (i == 0)
		return -1;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		for (k = s + i; i < n && s[i] != '=' && s[i] != ' '; i++)
			;
		kn = (size_t)(s + i - k);
		if (i >= n || s[i] != '=')
			continue;	/* a bare word: skip it */
		v = s + ++i;
		if (i < n && s[i] == '"') {
			const char *q = memchr(s + i + 1, '"', n - i - 1);

			i = q ? (size_t)(q - s) + 1 : n;
		}
		while (i < n && s[i] != ' ')
			i++;
		vn = (size_t)(s + i - v);
		if (field(k, kn, v, vn, r, &have) < 0)
			return -1;
	}
	return have == HAVE_ALL ? 0 : -1;
}

int audit_next(struct audit_it *it, uint16_t *type, uint32_t *seq,
	       const uint8_t **payload, size_t *plen)
{
	struct nlmsghdr h;
	size_t len;

	if (it->off >= it->len)
		return 0;
	if (it->len - it->off < NLMSG_HDRLEN)
		return -1;
	memcpy(&h, it->buf + it->off, sizeof(h));
	*type = h.nlmsg_type;
	*seq = h.nlmsg_seq;
	*payload = it->buf + it->off + NLMSG_HDRLEN;
	if (h.nlmsg_type >= AUDIT_FIRST_USER_MSG) {
		/* A record: the rest of the datagram, whatever nlmsg_len says. */
		*plen = it->len - it->off - NLMSG_HDRLEN;
		it->off = it->len;
		return 1;
	}
	len = h.nlmsg_len;
	if (len < NLMSG_HDRLEN || len > it->len - it->off)
		return -1;
	*plen = len - NLMSG_HDRLEN;
	it->off += ALIGN4(len);
	return 1;
}

size_t audit_msg(uint8_t *buf, size_t cap, uint16_t type, uint16_t flags,
		 uint32_t seq, const void *payload, size_t plen)
{
	struct nlmsghdr h;
	size_t len = NLMSG_HDRLEN + plen;

	if (cap < ALIGN4(len))
		return 0;
	memset(&h, 0, sizeof(h));
	h.nlmsg_len = (uint32_t)len;
	h.nlmsg_type = type;
	h.nlmsg_flags = (uint16_t)(flags | NLM_F_REQUEST);
	h.nlmsg_seq = seq;
	memset(buf, 0, ALIGN4(len));
	memcpy(buf, &h, sizeof(h));
	if (plen)
		memcpy(buf + NLMSG_HDRLEN, payload, plen);
	return ALIGN4(len);
}

size_t audit_rule(void *buf, size_t cap, uint32_t arch)
{
	struct audit_rule_data r;
	size_t i;

	if (cap < sizeof(r))
		return 0;
	memset(&r, 0, sizeof(r));
	r.flags = AUDIT_FILTER_EXIT;
	r.action = AUDIT_ALWAYS;
	for (i = 0; i < AUDIT_BITMASK_SIZE; i++)
		r.mask[i] = 0xffffffffu;	/* every syscall */
	r.field_count = 2;
	r.fields[0] = AUDIT_ARCH;
	r.values[0] = arch;
	r.fieldflags[0] = AUDIT_EQUAL;
	r.fields[1] = AUDIT_EXIT;
	r.values[1] = (uint32_t)-EPERM;
	r.fieldflags[1] = AUDIT_EQUAL;
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

size_t audit_rule_exclude(void *buf, size_t cap)
{
	struct audit_rule_data r;

	if (cap < sizeof(r))
		return 0;
	memset(&r, 0, sizeof(r));
	r.flags = AUDIT_FILTER_EXCLUDE;
	r.action = AUDIT_NEVER;
	r.field_count = 2;
	r.fields[0] = AUDIT_MSGTYPE;
	r.values[0] = AUDIT_SYSCALL + 1;
	r.fieldflags[0] = AUDIT_GREATER_THAN_OR_EQUAL;
	r.fields[1] = AUDIT_MSGTYPE;
	r.values[1] = AUDIT_SYSCALL + 99;
	r.fieldflags[1] = AUDIT_LESS_THAN_OR_EQUAL;
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

/* The kernel's error returns: -1 .. -MAX_ERRNO. */
#define MAX_ERRNO 4095

void audit_event(const struct audit_rec *r, struct event *ev,
		 uint64_t mono_ns)
{
	event_init(ev, PS_CAPABILITY_DENIED, r->pid, mono_ns);
	event_set_bytes(ev, EVK_GUEST_COMM, r->comm, r->comm_len);
	event_set_uint(ev, EVK_UID, r->uid);
	event_set_uint(ev, EVK_SYSCALL, r->syscall);
	/* Any other exit value is not an error number (0: none). */
	event_set_uint(ev, EVK_ERRNO, r->exit < 0 && r->exit >= -MAX_ERRNO ?
		       (uint64_t)-r->exit : 0);
}
