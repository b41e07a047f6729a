/*
 * probe_net.c: the net probe: picks a mechanism at open and dispatches
 * the loop's calls to it (net_bpf.c, net_diag.c, net_proc.c).
 *
 * It owns the event stamping rule: stamps handed out never go backwards,
 * even when the BPF programs on two CPUs wrote theirs out of order.
 */
#include <string.h>
#include "lib/log.h"
#include "lib/sys.h"
#include "net_ops.h"
#include "net_track.h"

void probe_net_out_emit(struct net_out *o)
{
	if (o->ev.mono_ns < o->last_ns)
		o->ev.mono_ns = o->last_ns;
	o->last_ns = o->ev.mono_ns;
	o->emitted++;
	o->emit(o->ctx, &o->ev);
}

void net_eph_range(uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	ssize_t n;

	n = sys_read_file("/proc/sys/net/ipv4/ip_local_port_range", buf,
			  sizeof(buf));
	if (n <= 0 || nettrack_parse_range(buf, (size_t)n, lo, hi) < 0) {
		*lo = 32768;	/* the kernel's default */
		*hi = 60999;
	}
}

/* Append "; " and a reason to pn->why, cut to fit. */
static void add_why(struct probe_net *pn, const char *why)
{
	size_t used = strlen(pn->why), n = strlen(why);

	if (used && used + 2 < sizeof(pn->why)) {
		memcpy(pn->why + used, "; ", 2);
		used += 2;
	}
	if (n > sizeof(pn->why) - used - 1)
		n = sizeof(pn->why) - used - 1;
	memcpy(pn->why + used, why, n);
	pn->why[used + n] = '\0';
}

/* Try one mechanism; on failure append its reason to pn->why. */
static int try_mode(struct probe_net *pn, int mode,
		    const struct probe_net_cfg *cfg)
{
	uint64_t poll = cfg->poll_ns ? cfg->poll_ns : NET_POLL_NS;
	char why[MECH_WHY_MAX];
	int rc = -1;

	why[0] = '\0';
	if (mode == PROBE_NET_BPF)
		rc = net_bpf_open(&pn->m.bpf, cfg->cgroup, why, sizeof(why));
	else if (mode == PROBE_NET_DIAG)
		rc = net_diag_open(&pn->m.diag, poll, why, sizeof(why));
	else if (mode == PROBE_NET_PROC)
		rc = net_proc_open(&pn->m.proc, poll, why, sizeof(why));
	if (rc == 0) {
		pn->mode = mode;
		return 0;
	}
	add_why(pn, why);
	return -1;
}

int probe_net_open(struct probe_net *pn, const struct probe_net_cfg *cfg,
		   void (*emit)(void *ctx, const struct event *ev), void *ctx)
{
	int m;

	memset(pn, 0, sizeof(*pn));
	pn->out.emit = emit;
	pn->out.ctx = ctx;
	if (cfg->mode != PROBE_NET_AUTO)
		return try_mode(pn, cfg->mode, cfg);
	for (m = PROBE_NET_BPF; m <= PROBE_NET_PROC; m++)
		if (try_mode(pn, m, cfg) == 0)
			break;
	if (pn->mode == PROBE_NET_AUTO)
		return -1;
	if (pn->why[0])
		log_warnx("net: %s; using %s", pn->why, probe_net_status(pn));
	return 0;
}

const char *probe_net_status(const struct probe_net *pn)
{
	switch (pn->mode) {
	case PROBE_NET_BPF:	return "armed";
	case PROBE_NET_DIAG:	return "fallback:sock_diag";
	case PROBE_NET_PROC:	return "fallback:proc_net";
	}
	return "off";
}

int probe_net_fds(const struct probe_net *pn, int *fds, int cap)
{
	int n = 0;

	if (pn->closed)
		return 0;
	if (pn->mode == PROBE_NET_BPF && cap >= 1)
		fds[n++] = pn->m.bpf.map_rb;
	if (pn->mode == PROBE_NET_DIAG && cap >= 2) {
		fds[n++] = pn->m.diag.mc_fd;
		fds[n++] = pn->m.diag.dump_fd;
	}
	return n;
}

void probe_net_readable(struct probe_net *pn, int fd)
{
	if (pn->closed)
		return;
	if (pn->mode == PROBE_NET_BPF && fd == pn->m.bpf.map_rb)
		net_bpf_read(&pn->m.bpf, &pn->out, NET_BATCH);
	else if (pn->mode == PROBE_NET_DIAG)
		net_diag_read(&pn->m.diag, fd, &pn->out, NET_BATCH);
}

uint64_t probe_net_deadline(const struct probe_net *pn)
{
	if (pn->closed)
		return 0;
	if (pn->mode == PROBE_NET_DIAG)
		return pn->m.diag.step < 0 ? pn->m.diag.next_ns :
		       pn->m.diag.next_ns + NET_DUMP_TIMEOUT_NS;
	if (pn->mode == PROBE_NET_PROC)
		return pn->m.proc.next_ns;
	return 0;
}

void probe_net_tick(struct probe_net *pn, uint64_t now)
{
	if (pn->closed)
		return;
	if (pn->mode == PROBE_NET_DIAG)
		net_diag_tick(&pn->m.diag, now);
	else if (pn->mode == PROBE_NET_PROC)
		net_proc_tick(&pn->m.proc, now, &pn->out);
}

size_t probe_net_losses(const struct probe_net *pn, const char **reason,
			uint64_t *count, size_t cap)
{
	size_t n = 0;

	if (cap < 2)
		return 0;
	if (pn->mode == PROBE_NET_BPF) {
		reason[n] = "net_ringbuf_full";
		count[n++] = net_bpf_drops(&pn->m.bpf);
		reason[n] = "probe_error";
		count[n++] = pn->m.bpf.bad + pn->m.bpf.rb.errors;
	} else if (pn->mode == PROBE_NET_DIAG) {
		reason[n] = "net_nobufs";
		count[n++] = pn->m.diag.nobufs;
		reason[n] = "probe_error";
		count[n++] = pn->m.diag.errors;
	} else if (pn->mode == PROBE_NET_PROC) {
		reason[n] = "probe_error";
		count[n++] = pn->m.proc.errors;
	}
	return n;
}

int probe_net_mode_byname(const char *s)
{
	static const char *const names[] = { "auto", "bpf", "diag", "proc" };
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void probe_net_close(struct probe_net *pn)
{
	if (pn->closed)
		return;
	if (pn->mode == PROBE_NET_BPF) {
		/* Detach first, then hand out what the ring still holds. */
		net_bpf_detach(&pn->m.bpf);
		while (net_bpf_read(&pn->m.bpf, &pn->out, NET_BATCH) > 0)
			;
		net_bpf_close(&pn->m.bpf);
	} else if (pn->mode == PROBE_NET_DIAG) {
		net_diag_close(&pn->m.diag);
	}
	pn->closed = 1;
}
