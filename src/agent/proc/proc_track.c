/*
 * proc_track.c: process events from connector records and /proc diffs.
 *
 * Threads are not processes: a fork whose child pid differs from its tgid
 * and the exit of a non-leader thread are skipped.  Every event is sent
 * with what is known; a process that is already gone when we look at
 * /proc/PID still gets its event, with the table's last knowledge.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/sys.h"
#include "proc_procfs.h"
#include "proc_track.h"
#include "wire/argv.h"

static struct event ev;		/* one event in flight at a time */

void proc_track_init(struct proc_track *pt, struct ptable_ent *slots,
		     size_t cap, int procfd, int strict, struct probe *p)
{
	ptable_init(&pt->t, slots, cap);
	pt->procfd = procfd;
	pt->strict = strict;
	pt->gen = 0;
	pt->untracked = 0;
	pt->p = p;
}

/* Current comm of pid from /proc into ev; 0 when /proc still had it. */
static int read_comm(struct proc_track *pt, uint32_t pid)
{
	char path[32], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%u/comm", pid);
	n = sys_read_fileat(pt->procfd, path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	if (buf[n - 1] == '\n')
		n--;
	event_set_bytes(&ev, EVK_GUEST_COMM, buf, (size_t)n);
	return 0;
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

/* Remember ev's comm in the table entry. */
static void keep_comm(struct ptable_ent *e)
{
	size_t n = ev.comm.len < sizeof(e->comm) ? ev.comm.len : sizeof(e->comm);

	memcpy(e->comm, ev.comm.s, n);
	e->comm_len = (uint8_t)n;
}

static void on_fork(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e, *parent = ptable_get(&pt->t, r->ptgid);
	int added;

	if (r->pid != r->tgid)
		return;				/* a new thread */
	event_init(&ev, PS_PROCESS_SPAWNED, r->pid, r->ts_ns);
	if (read_comm(pt, r->pid) < 0 && parent)	/* fork inherits comm */
		event_set_bytes(&ev, EVK_GUEST_COMM, parent->comm,
				parent->comm_len);
	event_set_uint(&ev, EVK_PPID, r->ptgid);
	event_set_uint(&ev, EVK_START_NS, r->ts_ns);
	e = ptable_put(&pt->t, r->pid, &added);
	if (e) {
		e->ppid = r->ptgid;
		e->start_ns = r->ts_ns;
		e->gen = pt->gen;
		keep_comm(e);
	} else {
		pt->untracked++;
	}
	probe_emit(pt->p, &ev);
}

/* Read cmdline through fd: the first PROC_ARGV_RAW bytes are escaped into
 * argv, the rest only counted, so argc is exact even when argv is cut.
 * A process that already exited reads as empty: then nothing is set
 * (an empty argv with a readable exe is a real execve with argc 0).
 * argc = NULs in the whole file, plus one if it does not end in NUL (a
 * process that rewrote its own cmdline). */
static void read_argv(int fd)
{
	static uint8_t raw[PROC_ARGV_RAW];
	static char text[WIRE_TEXT_MAX];
	uint8_t more[4096], last = 0;
	size_t have = 0, used, t, i;
	uint64_t extra = 0, nuls = 0;
	ssize_t n;

	while (have < sizeof(raw) &&
	       (n = read(fd, raw + have, sizeof(raw) - have)) > 0)
		have += (size_t)n;
	for (i = 0; i < have; i++)
		nuls += raw[i] == 0;
	if (have)
		last = raw[have - 1];
	while ((n = read(fd, more, sizeof(more))) > 0) {
		extra += (uint64_t)n;
		for (i = 0; i < (size_t)n; i++)
			nuls += more[i] == 0;
		last = more[n - 1];
	}
	if (have + extra == 0 && !(ev.has & EVK_BIT(EVK_EXE)))
		return;			/* a zombie: no memory left to read */
	if (extra == 0 && have && last == 0)
		have--;			/* the final NUL ends the last argument */
	t = argv_escape(text, sizeof(text), raw, have, &used);
	event_set_text(&ev, EVK_ARGV, text, t);
	event_set_uint(&ev, EVK_ARGC, nuls + (have + extra > 0 && last != 0));
	if (extra > 0 || used < have)
		event_set_uint(&ev, EVK_TRUNCATED, 1);
}

/* exe, argv, uid and comm of pid from /proc/PID; silent when it is gone. */
static void read_exec(struct proc_track *pt, uint32_t pid)
{
	char path[32], buf[PROC_EXE_MAX];
	ssize_t n;
	uint32_t uid;
	int dfd, fd;

	snprintf(path, sizeof(path), "%u", pid);
	dfd = openat(pt->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	n = sys_read_fileat(dfd, "comm", buf, sizeof(buf));
	if (n > 0)
		event_set_bytes(&ev, EVK_GUEST_COMM, buf,
				(size_t)(buf[n - 1] == '\n' ? n - 1 : n));
	n = readlinkat(dfd, "exe", buf, sizeof(buf));
	if (n > 0)
		event_set_bytes(&ev, EVK_EXE, buf, (size_t)n);
	fd = openat(dfd, "cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		read_argv(fd);
		close(fd);
	}
	n = sys_read_fileat(dfd, "status", buf, sizeof(buf));
	if (n > 0 && procfs_parse_uid(buf, (size_t)n, &uid) == 0)
		event_set_uint(&ev, EVK_UID, uid);
	close(dfd);
}

static void on_exec(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e;
	int added;

	if (pt->strict || r->pid != r->tgid)
		return;			/* v1.0 has no exec event */
	event_init(&ev, PS_PROCESS_EXEC, r->pid, r->ts_ns);
	read_exec(pt, r->pid);
	e = ptable_put(&pt->t, r->pid, &added);
	if (!e) {
		pt->untracked++;
	} else {
		if (!added)
			from_entry(e);
		keep_comm(e);
	}
	probe_emit(pt->p, &ev);
}

static void on_exit(struct proc_track *pt, const struct cnproc_rec *r)
{
	struct ptable_ent *e;
	int st = (int)r->status;

	if (r->pid != r->tgid)
		return;			/* a thread, not the process */
	event_init(&ev, PS_PROCESS_EXITED, r->pid, r->ts_ns);
	read_comm(pt, r->pid);		/* a zombie still has its comm */
	e = ptable_get(&pt->t, r->pid);
	if (e)
		from_entry(e);
	else if (r->ptgid)
		event_set_uint(&ev, EVK_PPID, r->ptgid);
	if (WIFSIGNALED(st))
		event_set_uint(&ev, EVK_EXIT_SIGNAL, (uint64_t)WTERMSIG(st));
	else
		event_set_uint(&ev, EVK_EXIT_CODE, (uint64_t)WEXITSTATUS(st));
	ptable_del(&pt->t, r->pid);
	probe_emit(pt->p, &ev);
}

void proc_track_rec(struct proc_track *pt, const struct cnproc_rec *r)
{
	if (r->kind == CNP_FORK)
		on_fork(pt, r);
	else if (r->kind == CNP_EXEC)
		on_exec(pt, r);
	else if (r->kind == CNP_EXIT)
		on_exit(pt, r);
}

struct scan_ctx {
	struct proc_track *pt;
	uint64_t now, tick_ns, boot_off;
};

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
	memcpy(e->comm, st.comm, st.comm_len);
	e->comm_len = (uint8_t)st.comm_len;
	event_init(&ev, PS_PROCESS_SPAWNED, pid, c->now);
	from_entry(e);
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
