/*
 * pmatch.c: the matcher of policy.h: globs over paths, address ranges
 * over "ADDR:PORT", and the first-match walk over one kind's rules.
 *
 * Globs: '*' is any run of bytes but '/', two or more stars any run at
 * all (between two slashes, also none: the two slashes match one), '?' one byte but '/', "[a-z]" ("[!a-z]")
 * one byte but '/' in (not in) the set (inside, every byte is itself),
 * '\c' the byte c.  The matcher
 * is git's wildmatch in shape: a failed star tells its callers how far
 * back a retry could help, so no input makes it exponential.
 */
#include <arpa/inet.h>
#include <string.h>
#include "policy.h"

enum { NOMATCH = 0, MATCH = 1, ABORT_ALL = -1, ABORT_TO_STARSTAR = -2 };

/* The class at *pp (after its '['), against byte c; *pp past its ']'. */
static int class_has(const char **pp, const char *pe, unsigned char c)
{
	const char *p = *pp;
	int neg = 0, hit = 0;
	unsigned char lo, hi;

	if (p < pe && (*p == '!' || *p == '^'))
		neg = 1, p++;
	do {
		lo = hi = (unsigned char)*p++;
		if (p + 1 < pe && *p == '-' && p[1] != ']') {
			hi = (unsigned char)p[1];
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = 1;
	} while (p < pe && *p != ']');
	*pp = p < pe ? p + 1 : p;	/* the parser made sure of the ']' */
	return hit != neg;
}

static int wild(const char *p0, const char *p, const char *pe, const char *s,
		const char *se);

/* p at the byte after a run of stars (two or more: cross), s where the
 * run starts to match. */
static int star(const char *p0, const char *p, const char *pe, const char *s,
		const char *se, int cross, int slashed)
{
	int r;

	if (cross && slashed && p < pe && *p == '/' &&
	    wild(p0, p + 1, pe, s, se) == MATCH)
		return MATCH;			/* slash, stars, slash: one slash */
	if (p == pe)
		return cross || !memchr(s, '/', (size_t)(se - s)) ? MATCH : NOMATCH;
	for (;; s++) {
		r = wild(p0, p, pe, s, se);
		if (r != NOMATCH && (!cross || r != ABORT_TO_STARSTAR))
			return r;
		if (s == se)
			return ABORT_ALL;
		if (!cross && *s == '/')
			return ABORT_TO_STARSTAR;
	}
}

/* Match p..pe (a tail of the pattern that starts at p0) against s..se. */
static int wild(const char *p0, const char *p, const char *pe, const char *s,
		const char *se)
{
	unsigned char c;

	for (; p < pe; p++, s++) {
		if (*p == '*') {
			int n = 0;

			while (p < pe && *p == '*')
				p++, n++;
			return star(p0, p, pe, s, se, n > 1, p - n == p0 ||
				    p[-n - 1] == '/');
		}
		if (s == se)
			return ABORT_ALL;
		c = (unsigned char)*s;
		if (*p == '?') {
			if (c == '/')
				return NOMATCH;
		} else if (*p == '[') {
			p++;
			if (c == '/' || !class_has(&p, pe, c))
				return NOMATCH;
			p--;			/* the loop steps past ']' */
		} else {
			if (*p == '\\' && p + 1 < pe)
				p++;
			if ((unsigned char)*p != c)
				return NOMATCH;
		}
	}
	return s == se ? MATCH : NOMATCH;
}

int pol_glob_match(const struct pol_glob *g, const char *s, size_t n)
{
	if (g->any)
		return 1;
	if (n < g->lit || memcmp(g->s, s, g->lit))
		return 0;
	return wild(g->s, g->s + g->lit, g->s + g->len, s + g->lit, s + n) ==
		MATCH;
}

/* ---- addresses ---- */

int pol_addr_parse(const char *s, size_t n, uint8_t *family, uint8_t a[16],
		   uint16_t *port)
{
	char buf[64];
	const char *colon, *as = s;
	size_t an;
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	if (s[0] == '[') {
		colon = memchr(s, ']', n);
		if (!colon || colon + 1 >= s + n || colon[1] != ':')
			return -1;
		as = s + 1;
		an = (size_t)(colon - as);
		colon++;
	} else {
		if (!(colon = memrchr(s, ':', n)))
			return -1;
		an = (size_t)(colon - s);
	}
	for (i = (size_t)(colon + 1 - s); i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || (v = v * 10 + (unsigned long)
						 (s[i] - '0')) > 65535)
			return -1;
	}
	if (colon + 1 == s + n || an >= sizeof(buf))
		return -1;
	memcpy(buf, as, an);
	buf[an] = 0;
	memset(a, 0, 16);
	*port = (uint16_t)v;
	if (s[0] != '[') {
		*family = 4;
		return inet_pton(AF_INET, buf, a + 12) == 1 ? 0 : -1;
	}
	if (inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	*family = 6;
	if (pol_is_v4mapped(a)) {
		*family = 4;			/* judged as the v4 it reaches */
		a[10] = a[11] = 0;
	}
	return 0;
}

/* 1 when the first plen bits of a and b agree. */
static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned whole = plen / 8, rest = plen % 8;
	uint8_t m = (uint8_t)(0xff00 >> rest);

	return !memcmp(a, b, whole) && (!rest || ((a[whole] ^ b[whole]) & m) == 0);
}

static int net_match(const struct pol_net *r, int ok, uint8_t fam,
		     const uint8_t *a, uint16_t port)
{
	if (!r->family && r->port_lo == 0 && r->port_hi == 65535)
		return 1;			/* "*": any, parsed or not */
	if (!ok || port < r->port_lo || port > r->port_hi)
		return 0;
	return !r->family || (r->family == fam && prefix_eq(r->a, a, r->plen));
}

int policy_match(const struct policy *p, int kind, const char *v, size_t n)
{
	const unsigned *ix = p->bykind[kind];
	const struct pol_rule *r;
	uint8_t fam = 0, a[16];
	uint16_t port = 0;
	unsigned i, k;
	int ok = 0;

	if (kind == POL_CONNECT)
		ok = pol_addr_parse(v, n, &fam, a, &port) == 0;
	for (i = 0; i < p->nbykind[kind]; i++) {
		r = &p->rules[ix[i]];
		for (k = 0; k < r->npats; k++)
			if (kind == POL_CONNECT ?
			    net_match(&r->pats[k].u.net, ok, fam, a, port) :
			    pol_glob_match(&r->pats[k].u.glob, v, n))
				return (int)ix[i];
	}
	return -1;
}
