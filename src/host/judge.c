/*
 * judge.c: events to rule kinds and values, and the verdicts (judge.h).
 * The fs table is the one place that says which file operation is a
 * write and which a read: a new probe's op words go there.
 */
#include <string.h>
#include <sys/inotify.h>
#include "judge.h"
#include "lib/nitems.h"

/* File operations: an inotify mask bit or an "ops" word, and its kind. */
static const struct { const char *word; uint32_t bit; uint8_t kind; } fs_ops[] = {
	{ "modify", IN_MODIFY, POL_WRITE },
	{ "close_write", IN_CLOSE_WRITE, POL_WRITE },
	{ "create", IN_CREATE, POL_WRITE },
	{ "delete", IN_DELETE, POL_WRITE },
	{ "moved_from", IN_MOVED_FROM, POL_WRITE },
	{ "moved_to", IN_MOVED_TO, POL_WRITE },
	{ "delete_self", IN_DELETE_SELF, POL_WRITE },
	{ "move_self", IN_MOVE_SELF, POL_WRITE },
	{ "access", IN_ACCESS, POL_READ },
	{ "open", IN_OPEN, POL_READ },
};

unsigned judge_fs_kinds(uint64_t mask, const char *ops, size_t n)
{
	unsigned kinds = 0, i;
	size_t a = 0, b;

	for (i = 0; i < nitems(fs_ops); i++)
		if (mask & fs_ops[i].bit)
			kinds |= 1u << fs_ops[i].kind;
	while (ops && a < n) {			/* "modify,close_write" */
		for (b = a; b < n && ops[b] != ',' && ops[b] != ' '; b++)
			;
		for (i = 0; i < nitems(fs_ops); i++)
			if (strlen(fs_ops[i].word) == b - a &&
			    !memcmp(fs_ops[i].word, ops + a, b - a))
				kinds |= 1u << fs_ops[i].kind;
		a = b + 1;
	}
	return kinds;
}

/* ---- the values ---- */

static const char *text(const struct event *ev, int k, size_t *n)
{
	if (k < 0 || !(ev->has & EVK_BIT(k))) {
		*n = 0;
		return NULL;
	}
	return event_text(ev, k, n);
}

/* exec: exe, else argv[0], else the comm. */
static const char *exec_value(const struct event *ev, size_t *n,
			      const char **from)
{
	const char *s = text(ev, EVK_EXE, n), *z;

	*from = "exe";
	if (s && *n)
		return s;
	*from = "argv0";
	if ((s = text(ev, EVK_ARGV, n)) && *n && s[0]) {
		if ((z = memchr(s, 0, *n)))
			*n = (size_t)(z - s);
		return s;
	}
	*from = "comm";
	*n = ev->comm.len;
	return ev->comm.s;
}

/* fs: path, "/" and name into buf. */
static const char *fs_value(const struct event *ev, char *buf, size_t cap,
			    size_t *n)
{
	size_t pl, nl;
	const char *p = text(ev, EVK_PATH, &pl), *nm = text(ev, EVK_NAME, &nl);

	if (!p)
		p = "";
	if (!nm || nl == 0) {
		*n = pl;
		return p;
	}
	if (pl + nl + 1 > cap) {		/* judge.h says how big */
		*n = pl;
		return p;
	}
	memcpy(buf, p, pl);
	*n = pl;
	if (pl == 0 || buf[pl - 1] != '/')
		buf[(*n)++] = '/';
	memcpy(buf + *n, nm, nl);
	*n += nl;
	return buf;
}

/* ---- connect: one violation per connection ---- */

static int same_conn(const struct judge_pending *e, uint32_t pid,
		     const char *dst, size_t n)
{
	return e->len == n && !memcmp(e->dst, dst, n) &&
		(e->pid == pid || !pid || !e->pid);
}

/* A denied attempt, remembered for its result. */
static void remember(struct judge_ring *r, uint32_t pid, const char *dst,
		     size_t n)
{
	struct judge_pending *e = &r->e[r->next];

	if (e->len)
		r->evicted++;		/* its result never came, or not yet */
	else
		r->n++;
	e->pid = pid;
	e->len = (uint8_t)(n < sizeof(e->dst) ? n : sizeof(e->dst));
	memcpy(e->dst, dst, e->len);
	r->next = (r->next + 1) % HOST_POLICY_PENDING;
}

/* A denied result: 1 when its attempt was the violation already (the
 * entry is then forgotten). */
static int seen(struct judge_ring *r, uint32_t pid, const char *dst, size_t n)
{
	unsigned i;

	for (i = 0; i < HOST_POLICY_PENDING; i++)
		if (r->e[i].len && same_conn(&r->e[i], pid, dst, n)) {
			r->e[i].len = 0;
			r->n--;
			return 1;
		}
	return 0;
}

static int connect_verdict(const struct policy *p, struct judge_ring *ring,
			   const struct event *ev, struct judge_verdict *out)
{
	size_t n;
	const char *dst = text(ev, EVK_DST, &n);
	int rule;

	if (!dst)
		return 0;
	rule = policy_match(p, POL_CONNECT, dst, n);
	if (rule < 0 || !p->rules[rule].deny)
		return 0;
	if (ev->source == PS_NET_CONNECT_ATTEMPTED)
		remember(ring, (uint32_t)ev->pid, dst, n);
	else if (seen(ring, (uint32_t)ev->pid, dst, n))
		return 0;
	*out = (struct judge_verdict){ POL_CONNECT, rule, dst, n, "dst" };
	return 1;
}

/* One kind's verdict on v[0..n): 1 when a deny rule decided it. */
static int verdict(const struct policy *p, int kind, const char *v, size_t n,
		   const char *from, struct judge_verdict *out)
{
	int rule = policy_match(p, kind, v, n);

	if (rule < 0 || !p->rules[rule].deny)
		return 0;
	*out = (struct judge_verdict){ kind, rule, v, n, from };
	return 1;
}

int judge_event(const struct policy *p, struct judge_ring *ring,
		const struct event *ev, struct judge_verdict *out,
		char *buf, size_t cap)
{
	static int ops_key = -2;
	const char *v, *from, *ops;
	size_t n, on;
	unsigned kinds;
	int k = 0;

	if (ops_key == -2)
		ops_key = event_key_byname("ops", 3);	/* a newer wire */
	switch (ev->source) {
	case PS_NET_CONNECT_ATTEMPTED:
	case PS_NET_CONNECT_RESULT:
		return p->nbykind[POL_CONNECT] ? connect_verdict(p, ring, ev, out) : 0;
	case PS_PROCESS_EXEC:
		if (!p->nbykind[POL_EXEC])
			return 0;
		v = exec_value(ev, &n, &from);
		return verdict(p, POL_EXEC, v, n, from, out);
	}
	if (strncmp(ps_name(ev->source), "fs.", 3) ||
	    !(p->nbykind[POL_WRITE] + p->nbykind[POL_READ]))
		return 0;
	ops = text(ev, ops_key, &on);
	kinds = judge_fs_kinds(ev->has & EVK_BIT(EVK_MASK) ? ev->mask : 0, ops, on);
	if (!kinds)
		return 0;
	v = fs_value(ev, buf, cap, &n);
	if ((kinds & (1u << POL_WRITE)) &&
	    verdict(p, POL_WRITE, v, n, "path", &out[k]))
		k++;
	if ((kinds & (1u << POL_READ)) &&
	    verdict(p, POL_READ, v, n, "path", &out[k]))
		k++;
	return k;
}
