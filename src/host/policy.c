/*
 * policy.c: the rule file parser of policy.h.  One line is one rule:
 * KIND ACTION PATTERN... [severity=LEVEL], words split by spaces or tabs,
 * a word that starts with '#' starts a comment.  Every error names the
 * file, the line and the column (of bytes, from 1) where it was found.
 * The texts live in one copy of the file (p->store); rules and patterns
 * in arrays that grow while parsing and are fixed after.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "policy.h"
#include "wire/utf8.h"

struct pstate {
	struct policy *p;
	const char *name;
	char *err;
	size_t cap;
	unsigned line;
	const char *bol;		/* the line's first byte */
	struct pol_pat *pats;		/* all patterns, in order */
	unsigned npats, patcap, rulecap;
	int nomem;
};

static const char *const kinds[POL_NKINDS] = { "connect", "exec", "write",
					       "read" };
static const char *const sevs[] = { "notice", "warning", "error",
				    "critical" };

const char *pol_kind_name(int kind)
{
	return kind >= 0 && kind < POL_NKINDS ? kinds[kind] : "?";
}

const char *pol_sev_name(int sev)
{
	return sev >= 0 && sev <= POL_SEV_CRITICAL ? sevs[sev] : "?";
}

/* The error at column of `at` on the current line; always -1. */
__attribute__((format(printf, 3, 4)))
static int fail(struct pstate *st, const char *at, const char *fmt, ...)
{
	va_list ap;
	int k = snprintf(st->err, st->cap, "%s:%u:%u: ", st->name, st->line,
			 (unsigned)(at - st->bol) + 1);

	if (k < 0 || (size_t)k >= st->cap)
		return -1;
	va_start(ap, fmt);
	vsnprintf(st->err + k, st->cap - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is word w[0..n) the C string s? */
static int is(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(w, s, n);
}

/* ---- connect patterns: ADDR[/LEN]:PORT, [ADDR6[/LEN]]:PORT, or * ---- */

/* A port or range ("443", "8000-8080", "*") into lo..hi; -1 bad. */
static int port_range(const char *s, size_t n, uint16_t *lo, uint16_t *hi)
{
	unsigned long v[2] = { 0, 0 };
	size_t i = 0;
	int k;

	if (is(s, n, "*")) {
		*lo = 0, *hi = 65535;
		return 0;
	}
	for (k = 0; k < 2; k++) {
		size_t d = i;

		while (i < n && s[i] >= '0' && s[i] <= '9' && i - d < 6)
			v[k] = v[k] * 10 + (unsigned long)(s[i++] - '0');
		if (i == d || v[k] > 65535)
			return -1;
		if (k == 0 && i < n && s[i] == '-')
			i++;
		else if (k == 0)
			v[1] = v[0], k = 2;
	}
	if (i != n || v[0] > v[1])
		return -1;
	*lo = (uint16_t)v[0], *hi = (uint16_t)v[1];
	return 0;
}

/* An address text (no brackets) of family fam into a (v4: last 4). */
static int addr_text(const char *s, size_t n, int fam, uint8_t a[16])
{
	char buf[64];

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(a, 0, 16);
	if (fam == 4)
		return inet_pton(AF_INET, buf, a + 12) == 1 ? 0 : -1;
	return inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1;
}

/* The address part addr[0..an) of family fam ("ADDR" or "ADDR/LEN")
 * into net; -1 with the error. */
static int net_range(struct pstate *st, const char *addr, size_t an, int fam,
		     struct pol_net *net)
{
	const char *slash = memchr(addr, '/', an), *d;
	unsigned long len = fam == 4 ? 32 : 128, maxlen = len;
	size_t al = slash ? (size_t)(slash - addr) : an;
	unsigned b;

	if (slash && slash + 1 == addr + an)
		return fail(st, slash + 1, "a prefix length after '/'");
	for (d = slash ? slash + 1 : addr + an, len = slash ? 0 : len;
	     d < addr + an; d++) {
		if (*d < '0' || *d > '9' || len > 128)
			return fail(st, slash + 1, "bad prefix length '%.*s'",
				    (int)(addr + an - slash - 1), slash + 1);
		len = len * 10 + (unsigned long)(*d - '0');
	}
	if (len > maxlen)
		return fail(st, slash + 1, "prefix length %lu above %lu", len,
			    maxlen);
	if (addr_text(addr, al, fam, net->a) < 0)
		return fail(st, addr, "bad IPv%d address '%.*s'", fam, (int)al,
			    addr);
	net->family = (uint8_t)fam;
	net->plen = (uint8_t)(fam == 4 ? 96 + len : len);
	if (fam == 6 && net->plen >= 96 && pol_is_v4mapped(net->a)) {
		net->family = 4;		/* v4-mapped: the v4 range */
		net->a[10] = net->a[11] = 0;
	}
	for (b = net->plen; b < 128; b++)
		if (net->a[b / 8] & (0x80 >> (b % 8)))
			return fail(st, addr, "'%.*s' has bits set past its /%lu",
				    (int)an, addr, len);
	return 0;
}

/* Parse one connect pattern at w[0..n) into net; -1 with the error. */
static int net_pat(struct pstate *st, const char *w, size_t n,
		   struct pol_net *net)
{
	const char *colon, *addr = w, *end;
	size_t an;
	int fam = 4;

	memset(net, 0, sizeof(*net));
	net->port_hi = 65535;
	if (is(w, n, "*"))
		return 0;
	if (w[0] == '[') {
		if (!(end = memchr(w, ']', n)))
			return fail(st, w, "'[' without ']' (IPv6 is [ADDR/LEN]:PORT)");
		colon = end + 1;
		addr = w + 1;
		an = (size_t)(end - addr);
		fam = 6;
	} else {
		if (!(colon = memrchr(w, ':', n)))
			return fail(st, w + n, "a port after ':' (ADDR/LEN:PORT, "
				    "PORT a number, a range N-M or *)");
		an = (size_t)(colon - w);
	}
	if (colon >= w + n || *colon != ':')
		return fail(st, colon, "':PORT' after ']' (IPv6 is "
			    "[ADDR/LEN]:PORT)");
	if (port_range(colon + 1, (size_t)(w + n - colon - 1), &net->port_lo,
		       &net->port_hi) < 0)
		return fail(st, colon + 1, "bad port '%.*s' (0-65535, N-M or *)",
			    (int)(w + n - colon - 1), colon + 1);
	if (!is(addr, an, "*"))
		return net_range(st, addr, an, fam, net);
	return fam == 6 ? fail(st, addr, "'*' is any address: no brackets") : 0;
}

/* ---- path patterns: globs (pmatch.c) ---- */

/* Check glob w[0..n): every '[' closed, no '\' at the end. */
static int glob_pat(struct pstate *st, const char *w, size_t n,
		    struct pol_glob *g)
{
	size_t i, j;

	memset(g, 0, sizeof(*g));
	g->s = w;
	g->len = (uint16_t)n;
	g->any = is(w, n, "*") || is(w, n, "**");
	g->lit = (uint16_t)n;
	for (i = 0; i < n; i++) {
		if (strchr("*?[\\", w[i]) && g->lit == n)
			g->lit = (uint16_t)i;
		if (w[i] == '\\') {
			if (++i == n)
				return fail(st, w + i - 1, "'\\' at the end of a "
					    "pattern");
			continue;
		}
		if (w[i] != '[')
			continue;
		j = i + 1;
		if (j < n && (w[j] == '!' || w[j] == '^'))
			j++;
		if (j < n && w[j] == ']')
			j++;			/* a first ']' is itself */
		while (j < n && w[j] != ']')
			j++;
		if (j == n)
			return fail(st, w + i, "unterminated '[' in '%.*s'",
				    (int)n, w);
		i = j;
	}
	return 0;
}

/* ---- rules ---- */

/* The next word of [*q, end): start and length; 0 at the end or a
 * comment. */
static size_t word(const char **q, const char *end, const char **w)
{
	const char *s = *q;
	size_t n = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s == '#') {
		*q = end;
		return 0;
	}
	while (s + n < end && s[n] != ' ' && s[n] != '\t')
		n++;
	*w = s;
	*q = s + n;
	return n;
}

static struct pol_pat *new_pat(struct pstate *st)
{
	struct pol_pat *np;

	if (st->npats == st->patcap) {
		st->patcap = st->patcap ? 2 * st->patcap : 64;
		np = realloc(st->pats, st->patcap * sizeof(*np));
		if (!np) {
			st->nomem = 1;
			return NULL;
		}
		st->pats = np;
	}
	return &st->pats[st->npats++];
}

/* "severity=LEVEL" at w[0..n) into r; 1 when it is not one. */
static int severity(struct pstate *st, const char *w, size_t n,
		    struct pol_rule *r)
{
	unsigned i;

	if (n < 9 || memcmp(w, "severity=", 9))
		return 1;
	if (!r->deny)
		return fail(st, w, "severity on an allow rule (only a deny "
			    "rule makes a violation)");
	for (i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
		if (is(w + 9, n - 9, sevs[i])) {
			r->sev = (uint8_t)i;
			return 0;
		}
	return fail(st, w + 9, "unknown severity '%.*s' (notice, warning, "
		    "error, critical)", (int)(n - 9), w + 9);
}

/* The patterns of rule r, from q to the line's end. */
static int patterns(struct pstate *st, struct pol_rule *r, const char *q,
		    const char *end)
{
	const char *w;
	struct pol_pat *pt;
	size_t n;
	int rc;

	while ((n = word(&q, end, &w)) > 0) {
		if ((rc = severity(st, w, n, r)) <= 0) {
			if (rc < 0)
				return -1;
			if (word(&q, end, &w) > 0)
				return fail(st, w, "nothing may follow severity=");
			break;
		}
		if (r->npats == POLICY_PATS_MAX)
			return fail(st, w, "more than %d patterns in a rule",
				    POLICY_PATS_MAX);
		if (!(pt = new_pat(st)))
			return -1;
		r->npats++;
		if (r->kind == POL_CONNECT ? net_pat(st, w, n, &pt->u.net) :
		    glob_pat(st, w, n, &pt->u.glob))
			return -1;
	}
	if (r->npats == 0)
		return fail(st, end, "a %s rule needs at least one pattern",
			    kinds[r->kind]);
	return 0;
}

/* Rule text: the line without its comment and the blanks around. */
static void rule_text(struct pol_rule *r, const char *s, const char *end)
{
	const char *q = s, *w, *last = s;
	size_t n;

	while ((n = word(&q, end, &w)) > 0)
		last = w + n;
	r->text = s;
	r->text_len = (uint16_t)(last - s);
}

/* One line [s, end) (no newline); a rule into p->rules, or nothing. */
static int line(struct pstate *st, const char *s, const char *end)
{
	struct policy *p = st->p;
	struct pol_rule *r, *nr;
	const char *q = s, *w = s, *kw;
	size_t n = word(&q, end, &w);
	int k;

	if (n == 0)
		return 0;			/* blank, or a comment */
	kw = w;
	for (k = 0; k < POL_NKINDS && !is(w, n, kinds[k]); k++)
		;
	if (k == POL_NKINDS)
		return fail(st, w, "unknown rule kind '%.*s' (connect, exec, "
			    "write, read)", (int)n, w);
	if (p->nrules == POLICY_RULES_MAX)
		return fail(st, w, "more than %d rules", POLICY_RULES_MAX);
	if (p->nrules == st->rulecap) {
		st->rulecap = st->rulecap ? 2 * st->rulecap : 32;
		if (!(nr = realloc(p->rules, st->rulecap * sizeof(*nr)))) {
			st->nomem = 1;
			return -1;
		}
		p->rules = nr;
	}
	r = &p->rules[p->nrules++];
	memset(r, 0, sizeof(*r));
	r->kind = (uint8_t)k;
	r->line = st->line;
	r->sev = POL_SEV_ERROR;
	if ((n = word(&q, end, &w)) == 0)
		return fail(st, end, "allow or deny after '%s'", kinds[k]);
	if (!is(w, n, "allow") && !is(w, n, "deny"))
		return fail(st, w, "'%.*s' is not allow or deny", (int)n, w);
	r->deny = is(w, n, "deny");
	r->first = st->npats;
	rule_text(r, kw, end);
	return patterns(st, r, q, end);
}

/* ---- the file ---- */

/* Bytes that cannot be in a rule file: NUL (a binary file, or a
 * C string cut short), what is not UTF-8 (rule texts go into JSON). */
static int line_bytes(struct pstate *st, const char *s, const char *end)
{
	const char *z = memchr(s, 0, (size_t)(end - s));

	if (z)
		return fail(st, z, "a NUL byte (not a text file?)");
	if (end - s > POLICY_LINE_MAX)
		return fail(st, s + POLICY_LINE_MAX, "line longer than %d bytes",
			    POLICY_LINE_MAX);
	if (!utf8_valid((const uint8_t *)s, (size_t)(end - s)))
		return fail(st, s, "the line is not UTF-8");
	return 0;
}

/* Every line of the copy in p->store; rules in p->rules. */
static int lines(struct pstate *st, const char *s, size_t n)
{
	const char *end = s + n, *nl, *e;

	for (st->line = 1; s < end; st->line++, s = nl + 1) {
		st->bol = s;
		if (s - st->p->store >= POLICY_FILE_MAX)
			return fail(st, s, "the file goes on past %d bytes",
				    POLICY_FILE_MAX);
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		e = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
		if (line_bytes(st, s, nl) < 0 || line(st, s, e) < 0)
			return -1;
	}
	return 0;
}

/* The patterns in place, and the rules of each kind. */
static int finish(struct pstate *st)
{
	struct policy *p = st->p;
	unsigned i, k;

	for (k = 0; k < POL_NKINDS; k++)
		if (!(p->bykind[k] = calloc(p->nrules + 1, sizeof(unsigned))))
			return -1;
	for (i = 0; i < p->nrules; i++) {
		p->rules[i].pats = p->pats + p->rules[i].first;
		k = p->rules[i].kind;
		p->bykind[k][p->nbykind[k]++] = i;
	}
	return 0;
}

int policy_parse(struct policy *p, const char *name, const uint8_t *buf,
		 size_t n, char *err, size_t cap)
{
	struct pstate st = { .p = p, .name = name, .err = err, .cap = cap };

	memset(p, 0, sizeof(*p));
	err[0] = 0;
	if (n > POLICY_FILE_MAX + 1)
		n = POLICY_FILE_MAX + 1;	/* one byte past: "too large" */
	p->file = strdup(name);
	p->store = malloc(n + 1);
	st.nomem = !p->file || !p->store;
	if (!st.nomem) {
		memcpy(p->store, buf, n);
		p->store[n] = 0;
		if (lines(&st, p->store, n) == 0 && !st.nomem) {
			p->pats = st.pats;	/* policy_free's from here */
			st.pats = NULL;
			if (finish(&st) == 0)
				return 0;
			st.nomem = 1;
		}
	}
	free(st.pats);
	policy_free(p);
	if (st.nomem)
		snprintf(err, cap, "%s: out of memory", name);
	return st.nomem ? -2 : -1;
}

void policy_free(struct policy *p)
{
	unsigned k;

	for (k = 0; k < POL_NKINDS; k++)
		free(p->bykind[k]);
	free(p->pats);
	free(p->rules);
	free(p->store);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

int policy_load(struct policy *p, const char *path, char *err, size_t cap)
{
	uint8_t *buf = malloc(POLICY_FILE_MAX + 1);
	size_t n = 0;
	ssize_t r = 1;
	int fd, rc;

	memset(p, 0, sizeof(*p));
	if (!buf) {
		snprintf(err, cap, "%s: out of memory", path);
		return -2;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		free(buf);
		return -1;
	}
	while (n <= POLICY_FILE_MAX &&
	       (r = read(fd, buf + n, POLICY_FILE_MAX + 1 - n)) > 0)
		n += (size_t)r;
	if (r < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		rc = -1;
	} else {
		rc = policy_parse(p, path, buf, n, err, cap);
	}
	close(fd);
	free(buf);
	return rc;
}
