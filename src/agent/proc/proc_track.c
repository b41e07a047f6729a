/*
 * proc_track.c: process events from connector records and /proc diffs.
 *
 * Threads are not processes: a fork whose child pid differs from its tgid
 * and the exit of a non-leader thread are skipped.  Every event is sent
 * with what is known, and says what it lacks: an exec whose process is
 * gone before /proc/PID was read carries the exe fanotify saw and
 * `argv_lost`, never an empty argv.  Fork and exit read nothing from
 * /proc: the table has the parent's comm and uid, and the comm of a
 * process as it exec'd or renamed itself (the connector's comm event).
 */
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "proc_look.h"
#include "proc_procfs.h"
#include "proc_track.h"

static struct event ev;		/* one event in flight at a time */

void proc_track_init(struct proc_track *pt, struct ptable_ent *slots,
		     size_t cap, int procfd, int strict, struct probe *p)
{
	ptable_init(&pt->t, slots, cap);
	pt->procfd = procfd;
	pt->strict = strict;
	pt->hash = 0;
	pt->gen = 0;
	pt->untracked = 0;
	pt->conn_ns = 0;
	pt->fan = NULL;
	pt->p = p;
	pt->gone_next = 0;
	memset(pt->gone, 0, sizeof(pt->gone));
	pt->ahead.n = 0;
}

void proc_track_peek(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct proc_ahead *a = &pt->ahead;

	if (r->kind == CNP_EXIT && r->pid == r->tgid && a->n < PROC_AHEAD_MAX)
		a->pid[a->n++] = r->pid;
}

void proc_track_peek_end(struct proc_track *pt)
{
	pt->ahead.n = 0;
}

/* Is an exit of pid ahead in the batch?  take: and forget it (its exit
 * is being handled). */
static int ahead(struct proc_track *pt, uint32_t pid, int take)
{
	struct proc_ahead *a = &pt->ahead;
	unsigned i;

	for (i = 0; i < a->n; i++)
		if (a->pid[i] == pid) {
			if (take)
				memmove(&a->pid[i], &a->pid[i + 1],
					(a->n-- - i - 1) * sizeof(a->pid[0]));
			return 1;
		}
	return 0;
}

/* Current comm of pid from /proc into ev; 0 when /proc still had it. */
static int read_comm(struct proc_track *pt, uint32_t pid)
{
	uint32_t uid;

	return proc_look(pt->procfd, pid, LOOK_COMM, 0, 0, &ev, &uid) ? 0 : -1;
}

/* Fill the keys every process.* event carries from a table entry. */
static void from_entry(const struct ptable_ent *e)
{
	event_set_uint(&ev, EVK_PPID, e->ppid);
	if (e->start_ns)
		event_set_uint(&ev, EVK_START_NS, e->start_ns);
	if (ev.comm.len == 0)
		event_set_bytes(&ev, EVK_GUEST_COMM, e->comm, e->comm_len);
}

/* Remember comm (n bytes) in the table entry. */
static void keep_comm(struct ptable_ent *e, const char *s, size_t n)
{
	if (n > sizeof(e->comm))
		n = sizeof(e->comm);
	memcpy(e->comm, s, n);
	e->comm_len = (uint8_t)n;
}

static void on_fork(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e, *parent = ptable_get(&pt->t, r->ptgid);
	int added;

	if (r->pid != r->tgid)
		return;				/* a new thread */
	event_init(&ev, PS_PROCESS_SPAWNED, r->pid, r->ts_ns);
	if (parent)				/* fork inherits comm */
		event_set_bytes(&ev, EVK_GUEST_COMM, parent->comm,
				parent->comm_len);
	else
		read_comm(pt, r->pid);		/* a parent the table lacks */
	event_set_uint(&ev, EVK_PPID, r->ptgid);
	event_set_uint(&ev, EVK_START_NS, r->ts_ns);
	e = ptable_put(&pt->t, r->pid, &added);
	if (e) {
		e->ppid = r->ptgid;
		e->start_ns = r->ts_ns;
		e->gen = pt->gen;
		e->flags = PTE_FORKED | (parent ? parent->flags & PTE_UID : 0);
		e->uid = parent ? parent->uid : 0;
		keep_comm(e, ev.comm.s, ev.comm.len);
	} else {
		pt->untracked++;
	}
	probe_emit(pt->p, &ev);
}

/* The comm the kernel gives an exec'd file: its name, at most 15 bytes
 * (of the path fanotify saw: symlinks resolved, " (deleted)" dropped). */
static void comm_of_path(const struct exejoin_file *f)
{
	static const char del[] = " (deleted)";
	const char *s = f->path, *base;
	size_t n = f->len;

	if (f->deleted && n >= sizeof(del) - 1 &&
	    memcmp(s + n - (sizeof(del) - 1), del, sizeof(del) - 1) == 0)
		n -= sizeof(del) - 1;
	base = memrchr(s, '/', n);
	base = base ? base + 1 : s;
	n -= (size_t)(base - s);
	event_set_bytes(&ev, EVK_GUEST_COMM, base, n < 15 ? n : 15);
}

/* A file of a chain into the text key k and its hash into key hk. */
static void set_file(struct proc_track *pt, const struct exejoin_file *f,
		     int k, int hk)
{
	char hex[2 * EXEHASH_LEN];

	event_set_bytes(&ev, k, f->path, f->len);
	if (f->cut)
		event_set_uint(&ev, EVK_TRUNCATED, 1);
	if (f->has_sha) {
		exehash_hex(f->sha, hex);
		event_set_text(&ev, hk, hex, sizeof(hex));
	} else if (pt->hash) {
		pt->p->incomplete[INC_HASH_SKIPPED]++;
	}
}

/* Read what fanotify has queued into the chains, until pid's is whole. */
static void drain(struct proc_track *pt, uint32_t pid)
{
	if (proc_fan_drain(pt->fan, pid) < 0)
		LOG_RL(log_warn, "process: fanotify read");
}

/* The fanotify chain of pid's exec (a copy: reading fanotify again may
 * reuse its slot): read fanotify first if it is not complete yet (its
 * records are queued before the connector's). */
static const struct exejoin_chain *take_chain(struct proc_track *pt,
					      uint32_t pid,
					      const struct ptable_ent *e)
{
	static struct exejoin_chain taken;
	uint64_t start = e && (e->flags & PTE_FORKED) ? e->start_ns : 0;
	const struct exejoin_chain *c;

	if (!exejoin_ready(&pt->fan->join, pid))
		drain(pt, pid);
	c = exejoin_take(&pt->fan->join, pid, start);
	if (!c)
		return NULL;
	taken = *c;
	return &taken;
}

/* Count and mark what an exec or inventory event lacks of `want`. */
static void note_missing(struct proc_track *pt, unsigned got, unsigned want)
{
	uint64_t *inc = pt->p->incomplete;

	if ((want & LOOK_ARGV) && !(got & LOOK_ARGV)) {
		event_set_uint(&ev, EVK_ARGV_LOST, 1);
		inc[INC_ARGV_LOST]++;
	}
	inc[INC_CWD_LOST] += (want & LOOK_CWD) && !(got & LOOK_CWD);
	inc[INC_UID_LOST] += (want & LOOK_UID) && !(got & LOOK_UID);
	inc[INC_EXE_LOST] += !(ev.has & EVK_BIT(EVK_EXE));
}

/* What /proc/PID says of an exec whose chain is c: nothing when the
 * process already runs a later exec (its chain waits, or /proc shows
 * another file and fanotify then has its chain).  *c becomes NULL when
 * the chain is not this exec's: the process runs another file and
 * nothing follows, or it began with an ld.so (doubt: the exec'd file may
 * be one fanotify cannot see, a memfd) and the process is gone. */
static unsigned look_joined(struct proc_track *pt, uint32_t pid,
			    const struct exejoin_chain **c, unsigned want,
			    uint32_t *uid)
{
	struct exejoin *j = &pt->fan->join;
	unsigned got;

	if (exejoin_more(j, pid))
		return 0;
	if ((*c)->img_ino && ahead(pt, pid, 0))
		got = 0;	/* exited: its exe link is gone, so is the rest */
	else
		got = proc_look(pt->procfd, pid, want, (*c)->img_dev,
				(*c)->img_ino, &ev, uid);
	if (got & LOOK_OTHER) {
		drain(pt, pid);
		if (exejoin_more(j, pid))
			return 0;
		*c = NULL;
		return proc_look(pt->procfd, pid, want | LOOK_EXE, 0, 0, &ev, uid);
	}
	if ((*c)->doubt && !got)
		*c = NULL;
	return got;
}

/* exe, interpreter, argv, cwd, uid and comm of an exec into ev; the
 * uid into *uid.  Returns the LOOK_* bits /proc gave. */
static unsigned enrich_exec(struct proc_track *pt, uint32_t pid,
			    const struct ptable_ent *e, uint32_t *uid)
{
	unsigned want = LOOK_UID | LOOK_COMM | LOOK_ARGV | LOOK_CWD, got;
	const struct exejoin_chain *c = pt->fan ? take_chain(pt, pid, e) : NULL;

	if (c)
		got = look_joined(pt, pid, &c, want, uid);
	else
		got = proc_look(pt->procfd, pid, want | LOOK_EXE, 0, 0, &ev, uid);
	if (c) {
		set_file(pt, &c->exe, EVK_EXE, EVK_EXE_SHA256);
		if (c->nfiles > 1)
			set_file(pt, &c->interp, EVK_INTERP, EVK_INTERP_SHA256);
		if (!(got & LOOK_COMM))
			comm_of_path(&c->exe);
	} else if (pt->fan && (got & LOOK_EXE)) {
		pt->p->incomplete[INC_EXE_FROM_PROC]++;
	}
	if (got & LOOK_UID)
		event_set_uint(&ev, EVK_UID, *uid);
	note_missing(pt, got, want);
	return got;
}

/* --wire strict has no exec event, but the table's comm follows execs. */
static void strict_exec(struct proc_track *pt, struct ptable_ent *e,
			uint32_t pid)
{
	event_init(&ev, PS_PROCESS_EXEC, pid, 0);
	if (e && read_comm(pt, pid) == 0)
		keep_comm(e, ev.comm.s, ev.comm.len);
}

static void on_exec(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e;
	uint32_t uid = 0;
	unsigned got;
	int added;

	if (r->pid != r->tgid)
		return;
	e = ptable_put(&pt->t, r->pid, &added);
	if (!e)
		pt->untracked++;
	if (pt->strict) {
		strict_exec(pt, e, r->pid);
		return;
	}
	event_init(&ev, PS_PROCESS_EXEC, r->pid, r->ts_ns);
	got = enrich_exec(pt, r->pid, e && !added ? e : NULL, &uid);
	if (e) {
		if (!added)
			from_entry(e);
		keep_comm(e, ev.comm.s, ev.comm.len);
		e->flags = (uint8_t)((e->flags & ~PTE_UID) |
				     (got & LOOK_UID ? PTE_UID : 0));
		e->uid = uid;
	}
	probe_emit(pt->p, &ev);
}

/* Keep what a late event about this process may need (actor.h). */
static void bury(struct proc_track *pt, const struct ptable_ent *e,
		 uint64_t exit_ns)
{
	struct proc_gone *g = &pt->gone[pt->gone_next++ % PROC_GONE_MAX];

	g->pid = e->pid, g->ppid = e->ppid, g->uid = e->uid;
	g->flags = e->flags;
	g->comm_len = e->comm_len;
	memcpy(g->comm, e->comm, sizeof(g->comm));
	g->start_ns = e->start_ns;
	g->exit_ns = exit_ns;
}

static void on_exit(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e;
	int st = (int)r->status;

	if (r->pid != r->tgid)
		return;			/* a thread, not the process */
	ahead(pt, r->pid, 1);
	event_init(&ev, PS_PROCESS_EXITED, r->pid, r->ts_ns);
	e = ptable_get(&pt->t, r->pid);
	if (e) {
		from_entry(e);
		bury(pt, e, r->ts_ns);
	} else {
		read_comm(pt, r->pid);	/* a zombie the table lacks */
		if (r->ptgid)
			event_set_uint(&ev, EVK_PPID, r->ptgid);
	}
	if (WIFSIGNALED(st))
		event_set_uint(&ev, EVK_EXIT_SIGNAL, (uint64_t)WTERMSIG(st));
	else
		event_set_uint(&ev, EVK_EXIT_CODE, (uint64_t)WEXITSTATUS(st));
	ptable_del(&pt->t, r->pid);
	if (pt->fan)
		exejoin_exit(&pt->fan->join, r->pid, r->ts_ns);
	probe_emit(pt->p, &ev);
}

/* prctl(PR_SET_NAME) of a process (not of one of its threads). */
static void on_comm(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e = ptable_get(&pt->t, r->pid);

	if (e && r->pid == r->tgid)
		keep_comm(e, r->comm, strnlen(r->comm, sizeof(r->comm)));
}

void proc_track_rec(struct proc_track *pt, const struct cnproc_rec *r)
{
	if (r->kind != CNP_ACK && r->ts_ns > pt->conn_ns)
		pt->conn_ns = r->ts_ns;
	if (r->kind == CNP_FORK)
		on_fork(pt, r);
	else if (r->kind == CNP_EXEC)
		on_exec(pt, r);
	else if (r->kind == CNP_EXIT)
		on_exit(pt, r);
	else if (r->kind == CNP_COMM)
		on_comm(pt, r);
}

/* ---- the /proc rescan ---- */

struct scan_ctx {
	struct proc_track *pt;
	uint64_t now, tick_ns, boot_off;
};

/* exe, argv, cwd and uid of a process the scan found (not a kernel
 * thread: those have none). */
static void enrich_found(struct proc_track *pt, struct ptable_ent *e)
{
	unsigned want = LOOK_UID | LOOK_ARGV | LOOK_CWD | LOOK_EXE, got;
	uint32_t uid = 0;

	got = proc_look(pt->procfd, e->pid, want, 0, 0, &ev, &uid);
	if (got & LOOK_UID) {
		event_set_uint(&ev, EVK_UID, uid);
		e->uid = uid;
		e->flags |= PTE_UID;
	}
	note_missing(pt, got, want);
}

/* A pid seen by the rescan: new ones become synthetic spawned events. */
static void scan_pid(void *vctx, uint32_t pid)
{
	struct scan_ctx *c = vctx;
	struct proc_track *pt = c->pt;
	struct procfs_stat st;
	int added;
	struct ptable_ent *e = ptable_put(&pt->t, pid, &added);

	if (!e) {
		pt->untracked++;
		return;
	}
	e->gen = pt->gen;
	if (!added)
		return;
	if (procfs_read_stat(pt->procfd, pid, &st) < 0) {
		ptable_del(&pt->t, pid);	/* gone before we saw it */
		return;
	}
	e->ppid = st.ppid;
	e->start_ns = st.start_ticks * c->tick_ns - c->boot_off;
	keep_comm(e, st.comm, st.comm_len);
	event_init(&ev, PS_PROCESS_SPAWNED, pid, c->now);
	from_entry(e);
	if (!(st.flags & PROCFS_PF_KTHREAD))
		enrich_found(pt, e);
	event_set_uint(&ev, EVK_SYNTHETIC, 1);
	probe_emit(pt->p, &ev);
}

/* A table entry the rescan did not see: a synthetic exited event. */
static void gone(void *vctx, const struct ptable_ent *e)
{
	struct scan_ctx *c = vctx;

	event_init(&ev, PS_PROCESS_EXITED, e->pid, c->now);
	from_entry(e);
	event_set_uint(&ev, EVK_SYNTHETIC, 1);
	bury(c->pt, e, c->now);
	probe_emit(c->pt->p, &ev);
}

long proc_track_rescan(struct proc_track *pt)
{
	static char dbuf[PROC_DENTS_BYTES] __attribute__((aligned(8)));
	long tck = sysconf(_SC_CLK_TCK);
	/* /proc start times count from boot, suspended time included */
	struct scan_ctx c = { pt, clock_mono_ns(), NS_PER_SEC /
			      (uint64_t)(tck > 0 ? tck : 100),
			      clock_boot_offset_ns() };
	long seen;

	pt->gen++;
	seen = procfs_scan(pt->procfd, dbuf, sizeof(dbuf), scan_pid, &c);
	if (seen < 0)
		return -1;
	ptable_sweep(&pt->t, pt->gen, gone, &c);
	return seen;
}

/* ---- actor.h ---- */

static void actor_of(struct actor *a, uint64_t start_ns, uint32_t ppid,
		     uint32_t uid, uint8_t flags, const char *comm,
		     uint8_t comm_len)
{
	a->start_ns = start_ns;
	a->ppid = ppid;
	a->uid = uid;
	a->has_uid = (flags & PTE_UID) != 0;
	a->comm_len = comm_len;
	memcpy(a->comm, comm, sizeof(a->comm));
}

int proc_track_actor(struct proc_track *pt, uint32_t pid, uint64_t from_ns,
		     uint64_t at_ns, struct actor *a)
{
	const struct ptable_ent *e = ptable_get(&pt->t, pid);
	const struct proc_gone *g;
	unsigned i;

	if (e && e->start_ns && e->start_ns <= at_ns) {
		actor_of(a, e->start_ns, e->ppid, e->uid, e->flags, e->comm,
			 e->comm_len);
		return 0;
	}
	for (i = 1; i <= PROC_GONE_MAX; i++) {		/* newest first */
		g = &pt->gone[(pt->gone_next - i) % PROC_GONE_MAX];
		if (g->pid == pid && g->start_ns && g->start_ns <= at_ns &&
		    from_ns <= g->exit_ns) {
			actor_of(a, g->start_ns, g->ppid, g->uid, g->flags,
				 g->comm, g->comm_len);
			return 0;
		}
	}
	return -1;
}
