/*
 * net_bpf.c: the net probe's primary backend: cgroup sock_addr BPF
 * programs on connect4/6 and UDP sendmsg4/6, records through a ring
 * buffer, and the outcome layer (net_bpfconn.h) beside them.
 *
 * Set-up creates the maps, then the outcome layer whole (its tables, its
 * five programs, attached) or not at all (a kernel without one of them:
 * logged, and hello's `outcomes` says nothing of the outcome events),
 * then the attempt programs (which join the table only when the layer
 * armed), attaches them to the cgroup2 root (or a configured directory)
 * and maps the ring.  The loop reads the ring and, every NET_SWEEP_NS,
 * sweeps the table for entries that will never see an outcome; close
 * detaches, drains and frees everything.  Unparsable records count as
 * probe_error, failed ring writes (the kernel's count) as
 * net_ringbuf_full, connections the tables had no room for as
 * net_untracked, swept entries as net_expired.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "agent/actor.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sys.h"
#include "net_bpf.h"
#include "net_bpfconn.h"
#include "net_bpfrec.h"
#include "net_bpfsys.h"
#include "net_cgroup2.h"

/* What the outcome layer fills (hello's `outcomes`). */
static const struct probe_outcome bpf_outcomes[] = {
	{ "net.connect_result", "guest_pid,src,dst,result,duration_ns" },
	{ "net.accepted", "guest_pid,src,dst" },
	{ "net.closed", "guest_pid,src,dst,direction,duration_ns,bytes_sent,"
	  "bytes_received,datagrams_sent" },
	{ NULL, NULL },
};

/* Every fd -1, so that close knows what was opened. */
static void fds_reset(struct net_bpf *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->cg_fd = -1;
	b->m = (struct netprog_maps){ -1, -1, -1, -1, -1 };
	for (i = 0; i < NETPROG_N; i++)
		b->prog[i] = b->link[i] = -1;
}

/* Kernels before 5.11 charge maps to RLIMIT_MEMLOCK: raise it to what
 * ours take (root may); on later kernels it changes nothing. */
static void memlock_raise(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0 || rl.rlim_cur >= NET_MEMLOCK_BYTES)
		return;
	rl.rlim_cur = NET_MEMLOCK_BYTES;
	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		log_debug("net: RLIMIT_MEMLOCK: %s", strerror(errno));
}

/* The ring buffer, the drop counters and the UDP dedupe LRU. */
static int maps_new(struct net_bpf *b, size_t rb_bytes, char *why,
		    size_t whycap)
{
	b->m.ringbuf = bpfsys_map_new(BPF_MAP_TYPE_RINGBUF, 0, 0,
				      (uint32_t)rb_bytes, "cellos_net_rb");
	b->m.drops = bpfsys_map_new(BPF_MAP_TYPE_ARRAY, 4, 8, NETDROP_N,
				    "cellos_net_drop");
	b->m.dedupe = bpfsys_map_new(BPF_MAP_TYPE_LRU_HASH, NETREC_KEY_SIZE,
				     8, NET_UDP_DEDUPE_MAX, "cellos_net_udp");
	if (b->m.ringbuf < 0 || b->m.drops < 0 || b->m.dedupe < 0) {
		fmt_str(why, whycap, "BPF_MAP_CREATE %s: %s",
			 b->m.ringbuf < 0 ? "ringbuf" : b->m.drops < 0 ?
			 "array" : "lru_hash", strerror(errno));
		return -1;
	}
	return 0;
}

/* Assemble and load program i; the verifier's reason on refusal. */
static int prog_load(struct net_bpf *b, int i, char *why, size_t whycap)
{
	struct bpf_insn insns[NETPROG_MAX_INSNS];
	char name[16], reason[MECH_WHY_MAX];
	int at = netprog_all[i].attach, n;

	n = netprog_assemble(i, &b->m, insns, NETPROG_MAX_INSNS);
	if (n < 0) {
		fmt_str(why, whycap, "assembling %s", netprog_name(at));
		return -1;
	}
	fmt_str(name, sizeof(name), "cellos_%s", netprog_name(at));
	b->prog[i] = bpfsys_prog_new(netprog_all[i].type, at, name, insns, (size_t)n,
				     reason, sizeof(reason));
	if (b->prog[i] < 0) {
		fmt_str(why, whycap, "%s: %s", netprog_name(at), reason);
		return -1;
	}
	return 0;
}

/* Attach program i to the cgroup. */
static int prog_attach(struct net_bpf *b, int i, char *why, size_t whycap)
{
	if (bpfsys_attach(b->prog[i], b->cg_fd, netprog_all[i].attach,
			  &b->link[i]) < 0) {
		fmt_str(why, whycap, "attach %s to %s: %s",
			 netprog_name(netprog_all[i].attach), b->cgpath,
			 strerror(errno));
		return -1;
	}
	b->legacy[i] = b->link[i] < 0;
	return 0;
}

/* Detach programs from..to-1 (no new records from them). */
static void detach(struct net_bpf *b, int from, int to)
{
	int i;

	for (i = from; i < to; i++) {
		if (b->legacy[i])
			bpfsys_detach(b->prog[i], b->cg_fd, netprog_all[i].attach);
		b->legacy[i] = 0;
		sys_close(&b->link[i]);	/* closing a bpf_link detaches it */
	}
}

/* Detach and close programs from..to-1. */
static void progs_drop(struct net_bpf *b, int from, int to)
{
	int i;

	detach(b, from, to);
	for (i = from; i < to; i++)
		sys_close(&b->prog[i]);
}

/* Open the cgroup directory, finding or mounting the root. */
static int cgroup_open(struct net_bpf *b, const char *cgroup, char *why,
		       size_t whycap)
{
	if (cgroup)
		fmt_str(b->cgpath, sizeof(b->cgpath), "%s", cgroup);
	else if (cgroup2_root(b->cgpath, sizeof(b->cgpath), &b->mounted, why,
			      whycap) < 0)
		return -1;
	b->cg_fd = open(b->cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->cg_fd < 0) {
		fmt_str(why, whycap, "open %s: %s", b->cgpath, strerror(errno));
		return -1;
	}
	return 0;
}

/* The outcome layer: its tables (with the listeners' all-zero entry
 * under key 0), its programs loaded and attached; or none of it. */
static int outcomes_new(struct net_bpf *b, char *why, size_t whycap)
{
	static const uint8_t zero[NETCONN_SIZE];
	uint32_t k0 = 0;
	int i;

	b->m.conns = bpfsys_map_new(BPF_MAP_TYPE_HASH, 8, NETCONN_SIZE,
				    NET_CONN_MAX, "cellos_net_conn");
	b->m.listeners = bpfsys_map_new(BPF_MAP_TYPE_HASH, 4, NETCONN_SIZE,
					NET_LISTEN_MAX + 1, "cellos_net_lst");
	if (b->m.conns < 0 || b->m.listeners < 0 ||
	    bpfsys_map_put(b->m.listeners, &k0, zero, BPF_ANY) < 0) {
		fmt_str(why, whycap, "BPF_MAP_CREATE hash: %s", strerror(errno));
		goto fail;
	}
	for (i = NETPROG_N - 1; i >= NETPROG_FIRST_OUTCOME; i--)
		if (prog_load(b, i, why, whycap) < 0 ||
		    prog_attach(b, i, why, whycap) < 0)
			goto fail;
	return 0;
fail:
	progs_drop(b, NETPROG_FIRST_OUTCOME, NETPROG_N);
	sys_close(&b->m.conns);
	sys_close(&b->m.listeners);
	b->m.conns = b->m.listeners = -1;
	return -1;
}

/* The attempt programs, joining the table when there is one. */
static int attempts_new(struct net_bpf *b, char *why, size_t whycap)
{
	int i;

	for (i = 0; i < NETPROG_FIRST_OUTCOME; i++)
		if (prog_load(b, i, why, whycap) < 0 ||
		    prog_attach(b, i, why, whycap) < 0)
			return -1;
	return 0;
}

/* One record: an attempt or an outcome; parse, fill the event, emit. */
static void on_record(void *ctx, const uint8_t *p, uint32_t n)
{
	struct net_bpf *b = ctx;
	struct netconn c;
	struct netrec r;

	if (n == NETCONN_SIZE && netconn_parse(p, n, &c) == 0) {
		netconn_event(&c, &b->ev);
	} else if (netrec_parse(p, n, &r) == 0 &&
		   r.attach != BPF_CGROUP_INET4_BIND &&
		   r.attach != BPF_CGROUP_INET6_BIND) {
		netrec_event(&r, &b->ev);
	} else {
		b->p->dropped[LOSS_PROBE_ERROR]++;
		return;
	}
	actor_stamp(&b->ev);		/* the acting process's start_ns */
	probe_emit(b->p, &b->ev);
}

/* Hand at most max records to the probe; returns how many were read.
 * A ring the walk could not read counts as a probe error. */
static unsigned consume(struct net_bpf *b, unsigned max)
{
	uint64_t bad = b->rb.errors;
	unsigned n = ringbuf_consume(&b->rb, max, on_record, b);

	b->p->dropped[LOSS_PROBE_ERROR] += b->rb.errors - bad;
	return n;
}

/* A ring more than half full when the read began says the reads came
 * too far apart: a loss to the coalescing policy, before one happens. */
static struct coalesce_drain bpf_read(void *vb, int fd)
{
	struct net_bpf *b = vb;
	struct coalesce_drain d = { consume(b, NET_BATCH), 0, 0 };

	(void)fd;
	d.more = d.items == NET_BATCH;
	d.loss = b->rb.backlog > b->rb.size / 2;
	return d;
}

/* The ring's capacity in records (of the largest kind). */
static uint64_t bpf_capacity(const void *vb, int fd)
{
	(void)fd;
	return ((const struct net_bpf *)vb)->rb.size / NET_RINGBUF_REC;
}

/* Remove (and count) what waited too long for an outcome; at most
 * NET_SWEEP_BATCH entries per call, the next call goes on. */
static void sweep(struct net_bpf *b, uint64_t now)
{
	uint8_t v[NETCONN_SIZE];
	uint64_t key, next;
	unsigned i;

	for (i = 0; i < NET_SWEEP_BATCH; i++) {
		if (bpfsys_map_next(b->m.conns, b->sweep_resume ?
				    &b->sweep_key : NULL, &next) < 0) {
			b->sweep_resume = 0;	/* the end: from the start */
			return;
		}
		key = next;
		if (bpfsys_map_get(b->m.conns, &key, v) == 0 &&
		    netconn_stale(v, sizeof(v), now, b->ttl_ns) &&
		    bpfsys_map_del(b->m.conns, &key) == 0)
			b->expired++;
		b->sweep_key = key;
		b->sweep_resume = 1;
	}
}

/* The sweep's cadence: NET_SWEEP_NS, or the age limit when it is shorter
 * (the tests'). */
static uint64_t sweep_every(const struct net_bpf *b)
{
	return b->ttl_ns < NET_SWEEP_NS ? b->ttl_ns : NET_SWEEP_NS;
}

static uint64_t bpf_deadline(const void *vb)
{
	const struct net_bpf *b = vb;

	return b->m.conns >= 0 ? b->next_sweep : 0;
}

static void bpf_tick(void *vb, uint64_t now)
{
	struct net_bpf *b = vb;

	if (b->m.conns < 0 || now < b->next_sweep)
		return;
	sweep(b, now);
	b->next_sweep = now + sweep_every(b);
}

/* The kernel's counts of the programs' failures, or the last ones read. */
static void drops(const struct net_bpf *b, uint64_t *v)
{
	uint32_t key;

	for (key = 0; key < NETDROP_N; key++)
		if (b->m.drops < 0 || bpfsys_map_get(b->m.drops, &key,
						     &v[key]) < 0)
			v[key] = b->drops_final[key];
}

static void bpf_refresh(const void *vb, uint64_t *dropped)
{
	const struct net_bpf *b = vb;
	uint64_t v[NETDROP_N];

	drops(b, v);
	dropped[LOSS_NET_RINGBUF] = v[NETDROP_RINGBUF];
	dropped[LOSS_NET_UNTRACKED] = v[NETDROP_UNTRACKED];
	dropped[LOSS_NET_EXPIRED] = b->expired;
}

static const struct probe_outcome *bpf_provides(const void *vb)
{
	return ((const struct net_bpf *)vb)->m.conns >= 0 ? bpf_outcomes : NULL;
}

/* Detach, unmap, close every fd. */
static void release(struct net_bpf *b)
{
	progs_drop(b, 0, NETPROG_N);
	drops(b, b->drops_final);
	ringbuf_close(&b->rb);
	sys_close(&b->cg_fd);
	sys_close(&b->m.ringbuf);
	sys_close(&b->m.drops);
	sys_close(&b->m.dedupe);
	sys_close(&b->m.conns);
	sys_close(&b->m.listeners);
	if (b->mounted)
		cgroup2_unmount(b->cgpath);
	b->mounted = 0;
}

static int bpf_open(void *vb, const struct net_backend_cfg *bc, int *fds,
		    char *why, size_t whycap)
{
	struct net_bpf *b = vb;
	char owhy[MECH_WHY_MAX];

	fds_reset(b);
	b->p = bc->p;
	b->ttl_ns = bc->ttl_ns ? bc->ttl_ns : NET_CONN_TTL_NS;
	memlock_raise();
	if (maps_new(b, bc->ringbuf_bytes, why, whycap) < 0 ||
	    cgroup_open(b, bc->cgroup, why, whycap) < 0)
		goto fail;
	if (bc->outcomes && outcomes_new(b, owhy, sizeof(owhy)) < 0)
		log_warnx("net: no connection outcomes: %s", owhy);
	if (attempts_new(b, why, whycap) < 0)
		goto fail;
	if (ringbuf_open(&b->rb, b->m.ringbuf, bc->ringbuf_bytes) < 0) {
		fmt_str(why, whycap, "mmap ringbuf: %s", strerror(errno));
		goto fail;
	}
	b->next_sweep = clock_mono_ns() + sweep_every(b);
	log_debug("net: BPF hooks on %s (%s)%s", b->cgpath,
		  b->legacy[0] ? "BPF_F_ALLOW_MULTI" : "bpf_link",
		  b->m.conns >= 0 ? ", with outcomes" : "");
	fds[0] = b->m.ringbuf;
	return 1;
fail:
	release(b);
	return -1;
}

/* Detach first (the ring stays readable), then hand out what it still
 * holds. */
static void bpf_close(void *vb)
{
	struct net_bpf *b = vb;

	detach(b, 0, NETPROG_N);
	while (consume(b, NET_BATCH) > 0)
		;
	release(b);
}

const struct net_backend net_bpf_backend = {
	.name = "bpf",
	.open = bpf_open,
	.read = bpf_read,
	.capacity = bpf_capacity,
	.deadline = bpf_deadline,
	.tick = bpf_tick,
	.refresh = bpf_refresh,
	.provides = bpf_provides,
	.close = bpf_close,
};
