/*
 * policy.h: a cell's policy (doc/POLICY.md): rules in order, each a kind
 * (connect, exec, write, read), an action (allow, deny) and patterns:
 * address ranges with ports for connect, path globs for the others (the
 * examples are in doc/POLICY.md: C comments cannot hold a glob's two
 * stars after a slash).
 *
 * policy_parse is a pure function over the bytes of a file (its name is
 * for the messages only): it fills a struct policy whole, or returns -1
 * with "FILE:LINE:COLUMN: what" and leaves nothing behind.  policy_match
 * (pmatch.c) judges one value against the rules of one kind: the first
 * rule with a pattern that matches wins; none: allowed.  Nothing here
 * knows events, cells or JSON (judge.c maps events to kinds and values).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"

enum pol_kind { POL_CONNECT, POL_EXEC, POL_WRITE, POL_READ, POL_NKINDS };
enum pol_sev { POL_SEV_NOTICE, POL_SEV_WARNING, POL_SEV_ERROR,
	       POL_SEV_CRITICAL };

/* connect: an address range (family 0: any, 4 or 6; v4 in the last 4
 * bytes of a) and a port range. */
struct pol_net {
	uint8_t family;
	uint8_t plen;			/* prefix bits */
	uint8_t a[16];
	uint16_t port_lo, port_hi;
};

/* exec/write/read: a glob (pmatch.c); lit bytes before its first
 * special character, checked first. */
struct pol_glob {
	const char *s;
	uint16_t len, lit;
	uint8_t any;			/* the pattern "*": every value */
};

struct pol_pat {
	union {
		struct pol_net net;
		struct pol_glob glob;
	} u;
};

struct pol_rule {
	uint8_t kind, deny, sev;
	unsigned line;
	const char *text;		/* the rule as written, no comment */
	uint16_t text_len;
	uint16_t npats;
	unsigned first;			/* its first pattern in policy.pats */
	struct pol_pat *pats;
};

struct policy {
	char *file;			/* its name, for messages and lines */
	char *store;			/* texts and globs */
	struct pol_rule *rules;
	unsigned nrules;
	struct pol_pat *pats;		/* every rule's, in order */
	/* rule indexes by kind, in file order */
	unsigned *bykind[POL_NKINDS];
	unsigned nbykind[POL_NKINDS];
};

/* An IPv6 address that is an IPv4 one (::ffff:a.b.c.d). */
static inline int pol_is_v4mapped(const uint8_t a[16])
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
					 0xff };
	unsigned i;

	for (i = 0; i < 12 && a[i] == pre[i]; i++)
		;
	return i == 12;
}

/* Parse n bytes of file `name` into p.  0, or -1 with the message in
 * err (cap bytes, always terminated); p is then empty.  -2: out of
 * memory. */
int policy_parse(struct policy *p, const char *name, const uint8_t *buf,
		 size_t n, char *err, size_t cap);
/* Read and parse the file at path (at most POLICY_FILE_MAX bytes). */
int policy_load(struct policy *p, const char *path, char *err, size_t cap);
void policy_free(struct policy *p);

const char *pol_kind_name(int kind);
const char *pol_sev_name(int sev);

/* The rule of `kind` that decides value v[0..n): its index in p->rules,
 * or -1 (no rule matched: allowed).  connect values are "ADDR:PORT" as
 * on the wire (IPv6 "[ADDR]:PORT"); one that does not parse matches
 * only "*" patterns. */
int policy_match(const struct policy *p, int kind, const char *v, size_t n);
/* The glob matcher alone: 1 when g matches s[0..n). */
int pol_glob_match(const struct pol_glob *g, const char *s, size_t n);
/* Parse "ADDR:PORT" (wire form) into family, 16 address bytes (v4 and
 * v4-mapped v6 as v4, in the last 4) and port; -1 when it is not one. */
int pol_addr_parse(const char *s, size_t n, uint8_t *family, uint8_t a[16],
		   uint16_t *port);
