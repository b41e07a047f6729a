/*
 * model.c: the process model of model.h: a fixed table of instances, a
 * pid hash, two age lists (live by last activity, exited by exit), and
 * the cell's string store.  Slots and list links are 16-bit (slot + 1).
 */
#include <stdlib.h>
#include <string.h>
#include "model.h"
#include "wire/utf8.h"

#define SLACK_NS ((uint64_t)HOST_MODEL_START_SLACK_MS * NS_PER_MS)
#define SLOT(m, q) ((uint16_t)((q) - (m)->p + 1))
#define AT(m, id) (&(m)->p[(id) - 1])
#define ANY_TIME (UINT64_MAX / 2)		/* "now", for an unknown start */

/* Wire keys of the texts (-1: this build's table has no such key). */
static int text_key[MT_COUNT];

int model_init(struct model *m, unsigned cap)
{
	memset(m, 0, sizeof(*m));
	if (cap < 1 || cap > HOST_MODEL_PROCS_MAX)
		return -1;
	m->cap = cap;
	for (m->nbuckets = 1; m->nbuckets < cap; m->nbuckets <<= 1)
		;
	m->p = calloc(cap, sizeof(*m->p));
	m->bucket = calloc(m->nbuckets, sizeof(*m->bucket));
	if (!m->p || !m->bucket || pstr_init(&m->str, 2 * cap) < 0)
		return -1;
	text_key[MT_EXE] = EVK_EXE;
	text_key[MT_ARGV] = EVK_ARGV;
	text_key[MT_CWD] = event_key_byname("cwd", 3);
	text_key[MT_INTERP] = event_key_byname("interp", 6);
	model_reset(m);
	m->st.resets = 0;
	return 0;
}

void model_free(struct model *m)
{
	free(m->p);
	free(m->bucket);
	pstr_free(&m->str);
	memset(m, 0, sizeof(*m));
}

void model_reset(struct model *m)
{
	unsigned i;

	memset(m->bucket, 0, m->nbuckets * sizeof(*m->bucket));
	m->free = 0;
	for (i = m->cap; i > 0; i--) {		/* lowest slots first */
		m->p[i - 1].flags = 0;
		m->p[i - 1].hnext = m->free;
		m->free = (uint16_t)i;
	}
	m->live[0] = m->live[1] = m->dead[0] = m->dead[1] = 0;
	pstr_clear(&m->str);
	m->st.used = 0;
	m->st.resets++;
}

/* ---- age lists and the pid hash ---- */

static void list_add(struct model *m, uint16_t *l, uint16_t id)
{
	struct model_proc *p = AT(m, id);

	p->prev = l[1];
	p->next = 0;
	if (l[1])
		AT(m, l[1])->next = id;
	else
		l[0] = id;
	l[1] = id;
}

static void list_del(struct model *m, uint16_t *l, uint16_t id)
{
	struct model_proc *p = AT(m, id);

	if (p->prev)
		AT(m, p->prev)->next = p->next;
	else
		l[0] = p->next;
	if (p->next)
		AT(m, p->next)->prev = p->prev;
	else
		l[1] = p->prev;
}

static uint16_t *list_of(struct model *m, const struct model_proc *p)
{
	return p->flags & MP_EXITED ? m->dead : m->live;
}

/* p was active: the end of its age list. */
static void touch(struct model *m, struct model_proc *p)
{
	uint16_t id = SLOT(m, p), *l = list_of(m, p);

	if (l[1] != id) {
		list_del(m, l, id);
		list_add(m, l, id);
	}
}

static uint16_t *chain(struct model *m, uint32_t pid)
{
	return &m->bucket[(pid * 2654435761u) & (m->nbuckets - 1)];
}

/* Forget instance id: out of its list and the hash, its texts dropped,
 * the slot free. */
static void release(struct model *m, uint16_t id)
{
	struct model_proc *p = AT(m, id);
	uint16_t *c = chain(m, p->pid);
	int t;

	list_del(m, list_of(m, p), id);
	while (*c != id)
		c = &AT(m, *c)->hnext;
	*c = p->hnext;
	for (t = 0; t < MT_COUNT; t++)
		pstr_drop(&m->str, p->text[t]);
	p->flags = 0;
	p->hnext = m->free;
	m->free = id;
	m->st.used--;
}

/* Evict the oldest exited instance, else the least recently active
 * live one, never `keep`; 0 when there was none to evict. */
static int evict(struct model *m, uint16_t keep, int live_too)
{
	uint16_t id = m->dead[0] && m->dead[0] != keep ? m->dead[0] :
		m->dead[0] ? AT(m, m->dead[0])->next : 0;

	if (id) {
		m->st.evicted_exited++;
	} else if (live_too) {
		id = m->live[0] != keep ? m->live[0] :
			m->live[0] ? AT(m, m->live[0])->next : 0;
		if (!id)
			return 0;
		m->st.evicted_live++;
	} else {
		return 0;
	}
	release(m, id);
	return 1;
}

/* A new live instance of pid (evicting when full). */
static struct model_proc *make(struct model *m, uint32_t pid, uint64_t start)
{
	struct model_proc *p;
	uint16_t id, *c;

	if (!m->free && !evict(m, 0, 1))
		return NULL;			/* cap 1 and it is `keep` */
	id = m->free;
	p = AT(m, id);
	m->free = p->hnext;
	memset(p, 0, sizeof(*p));
	p->flags = MP_USED;
	p->pid = pid;
	p->start_ns = start;
	p->born = ++m->born;
	c = chain(m, pid);
	p->hnext = *c;
	*c = id;
	list_add(m, m->live, id);
	m->st.made++;
	if (++m->st.used > m->st.peak)
		m->st.peak = m->st.used;
	return p;
}

/* ---- texts ---- */

/* Keep text t of ev (cut to HOST_MODEL_TEXT_MAX, argv at an argument's
 * end when it can) as p's text t; room is made from exited instances. */
static void set_text(struct model *m, struct model_proc *p, int t,
		     const char *s, size_t n)
{
	uint16_t id;
	const char *z;

	if (n > HOST_MODEL_TEXT_MAX) {
		size_t k = utf8_cut((const uint8_t *)s, n, HOST_MODEL_TEXT_MAX);

		if (t == MT_ARGV && (z = memrchr(s, 0, k)) != NULL)
			k = (size_t)(z - s);
		n = k;
		p->flags |= MP_CUT;
	}
	while (m->str.nfree < pstr_chunks(n) && evict(m, SLOT(m, p), 0))
		;
	id = pstr_put(&m->str, s, n);
	if (!id)
		m->st.text_full++;
	pstr_drop(&m->str, p->text[t]);
	p->text[t] = id;
}

/* The texts ev carries replace p's; `keep` says which of the others stay
 * (a bit per text), the rest become unknown. */
static void take_texts(struct model *m, struct model_proc *p,
		       const struct event *ev, unsigned keep)
{
	const char *s;
	size_t n;
	int t;

	for (t = 0; t < MT_COUNT; t++) {
		if (text_key[t] >= 0 && (ev->has & EVK_BIT(text_key[t]))) {
			s = event_text(ev, text_key[t], &n);
			set_text(m, p, t, s, n);
		} else if (!(keep & (1u << t))) {
			pstr_drop(&m->str, p->text[t]);
			p->text[t] = 0;
		}
	}
}

size_t model_text(const struct model *m, const struct model_proc *p,
		  int t, char *out, size_t cap)
{
	return pstr_get(&m->str, p->text[t], out, cap);
}

/* ---- lookups ---- */

static int near(uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) <= SLACK_NS;
}

const struct model_proc *model_find(struct model *m, uint32_t pid,
				    uint64_t start_ns, uint64_t t)
{
	struct model_proc *p, *best = NULL;
	uint16_t id;

	for (id = *chain(m, pid); id; id = p->hnext) {
		p = AT(m, id);
		if (p->pid != pid)
			continue;
		if (start_ns) {
			if (p->start_ns && near(p->start_ns, start_ns))
				return p;
			continue;
		}
		if (p->start_ns > t + SLACK_NS)
			continue;		/* born after t */
		if ((p->flags & MP_EXITED) && p->exit_ns + SLACK_NS < t)
			continue;		/* gone before t */
		if (!best || p->born > best->born)
			best = p;
	}
	return best;
}

/* model_find, writable. */
static struct model_proc *find(struct model *m, uint32_t pid,
			       uint64_t start_ns, uint64_t t)
{
	return (struct model_proc *)model_find(m, pid, start_ns, t);
}

const struct model_proc *model_parent(struct model *m,
				      const struct model_proc *cp)
{
	struct model_proc *p = AT(m, SLOT(m, cp)), *pp;

	if (!p->ppid)
		return NULL;
	pp = find(m, p->ppid, p->pstart_ns, p->start_ns ? p->start_ns : ANY_TIME);
	if (pp && !p->pstart_ns)
		p->pstart_ns = pp->start_ns;	/* the inventory's order */
	return pp;
}

/* ---- events ---- */

static uint64_t get(const struct event *ev, int k)
{
	return ev->has & EVK_BIT(k) ? event_get_uint(ev, k) : 0;
}

/* process.spawned: a new instance (or the one already known: the
 * inventory again after an agent restart), its parent alive at its
 * start; a fork copies the parent's image, uid and cwd. */
static struct model_proc *spawned(struct model *m, const struct event *ev)
{
	uint32_t pid = (uint32_t)ev->pid, ppid = (uint32_t)get(ev, EVK_PPID);
	uint64_t start = get(ev, EVK_START_NS) ? get(ev, EVK_START_NS) : ev->mono_ns;
	struct model_proc *p = find(m, pid, start, start), *old, *pp, par;
	int t;

	if (p) {
		if (!p->ppid)
			p->ppid = ppid;
		touch(m, p);
		return p;
	}
	if ((old = find(m, pid, 0, ANY_TIME)) && !(old->flags & MP_EXITED)) {
		old->flags |= MP_REPLACED;	/* its exit never came */
		m->st.replaced++;
	}
	pp = ppid ? find(m, ppid, 0, start) : NULL;
	memset(&par, 0, sizeof(par));
	if (pp && !get(ev, EVK_SYNTHETIC)) {
		par = *pp;			/* make() may evict pp */
		for (t = 0; t < MT_COUNT; t++)
			pstr_ref(&m->str, par.text[t]);
	}
	if (pp)
		par.start_ns = pp->start_ns;
	if (old && (old->flags & MP_REPLACED) && !(old->flags & MP_EXITED)) {
		list_del(m, m->live, SLOT(m, old));
		old->flags |= MP_EXITED;
		old->exit_ns = start;
		list_add(m, m->dead, SLOT(m, old));
	}
	p = make(m, pid, start);
	if (!p) {
		for (t = 0; t < MT_COUNT; t++)
			pstr_drop(&m->str, par.text[t]);
		return NULL;
	}
	p->ppid = ppid;
	p->pstart_ns = par.start_ns;
	memcpy(p->text, par.text, sizeof(p->text));
	p->uid = par.uid;
	p->flags |= par.flags & (MP_UID | MP_CUT);
	take_texts(m, p, ev, ~0u);
	if (ev->has & EVK_BIT(EVK_UID)) {
		p->uid = (uint32_t)ev->uid;
		p->flags |= MP_UID;
	}
	return p;
}

/* process.exec: the instance gets its new image; cwd stays (exec keeps
 * it) unless the event names one; exe and argv it does not carry are
 * unknown.  An instance first seen here is made (start unknown unless
 * the event has it). */
static struct model_proc *execed(struct model *m, const struct event *ev)
{
	uint32_t pid = (uint32_t)ev->pid;
	uint64_t start = get(ev, EVK_START_NS);
	struct model_proc *p = find(m, pid, start, ev->mono_ns);

	if (!p && !(p = make(m, pid, start)))
		return NULL;
	if (!p->ppid)
		p->ppid = (uint32_t)get(ev, EVK_PPID);
	p->flags &= (uint8_t)~MP_CUT;
	take_texts(m, p, ev, 1u << MT_CWD);
	if (ev->has & EVK_BIT(EVK_UID)) {
		p->uid = (uint32_t)ev->uid;
		p->flags |= MP_UID;
	}
	touch(m, p);
	return p;
}

/* process.exited: the instance ends (to the exited list). */
static struct model_proc *exited(struct model *m, const struct event *ev)
{
	struct model_proc *p = find(m, (uint32_t)ev->pid, get(ev, EVK_START_NS),
				    ev->mono_ns);
	uint16_t id;

	if (!p)
		return NULL;
	id = SLOT(m, p);
	if (p->flags & MP_EXITED) {
		list_del(m, m->dead, id);	/* replaced: its exit came late */
	} else {
		list_del(m, m->live, id);
		p->flags |= MP_EXITED;
	}
	p->exit_ns = ev->mono_ns;
	if (ev->has & EVK_BIT(EVK_EXIT_SIGNAL)) {
		p->flags |= MP_SIGNALED;
		p->status = (uint8_t)ev->exit_signal;
	} else {
		p->status = (uint8_t)get(ev, EVK_EXIT_CODE);
	}
	list_add(m, m->dead, id);
	return p;
}

/* Which process an event is about: 0 for the agent's own frames and
 * for inotify, which cannot say who touched a file. */
static int names_process(int src)
{
	return src != PS_FS_INOTIFY_FIRED && src != PS_AGENT_HELLO &&
		src != PS_AGENT_HEARTBEAT && src != PS_AGENT_LOSS &&
		src != PS_AGENT_STOPPING && src != PS_HOST_ACK;
}

static int is_agent(int src)
{
	return src == PS_AGENT_HELLO || src == PS_AGENT_HEARTBEAT ||
		src == PS_AGENT_LOSS || src == PS_AGENT_STOPPING;
}

/* The parent part of v, from p or (unknown p) from the event's ppid. */
static void parent_of(struct model *m, struct model_proc *p,
		      const struct event *ev, struct model_view *v)
{
	if (p) {
		v->ppid = p->ppid;
		v->parent = model_parent(m, p);
		v->pstart_ns = p->pstart_ns;
	} else if ((v->ppid = (uint32_t)get(ev, EVK_PPID)) != 0) {
		v->parent = find(m, v->ppid, 0, v->start_ns ? v->start_ns :
				 ev->mono_ns);
		v->pstart_ns = v->parent ? v->parent->start_ns : 0;
	}
	if (v->ppid && !v->parent)
		m->st.unknown_parent++;
}

void model_event(struct model *m, const struct event *ev,
		 struct model_view *v)
{
	struct model_proc *p;
	int src = ev->source;

	memset(v, 0, sizeof(*v));
	if (is_agent(src) || src == PS_HOST_ACK)
		return;
	v->about = 1;
	if (!names_process(src) || ev->pid == 0) {
		m->st.unknown++;
		return;
	}
	v->pid = (uint32_t)ev->pid;
	if (src == PS_PROCESS_SPAWNED)
		p = spawned(m, ev);
	else if (src == PS_PROCESS_EXEC)
		p = execed(m, ev);
	else if (src == PS_PROCESS_EXITED)
		p = exited(m, ev);
	else if ((p = find(m, v->pid, get(ev, EVK_START_NS), ev->mono_ns)))
		touch(m, p);
	v->proc = p;
	v->start_ns = p && p->start_ns ? p->start_ns : get(ev, EVK_START_NS);
	if (!p)
		m->st.unknown++;
	if (src == PS_PROCESS_EXITED && v->start_ns && ev->mono_ns >= v->start_ns) {
		v->has_duration = 1;
		v->duration_ns = ev->mono_ns - v->start_ns;
	}
	parent_of(m, p, ev, v);
}
