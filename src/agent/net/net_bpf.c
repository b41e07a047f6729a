/*
 * net_bpf.c: the net probe's primary backend: cgroup sock_addr BPF
 * programs on connect4/6 and UDP sendmsg4/6, records through a ring
 * buffer.
 *
 * Set-up creates the maps, loads the programs (net_bpfprog.c), attaches
 * them to the cgroup2 root (or a configured directory) and maps the ring.
 * The loop only reads the ring; close detaches, drains and frees
 * everything.  Unparsable records count as probe_error, failed ring
 * writes (the kernel's count) as net_ringbuf_full.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent/actor.h"
#include "lib/log.h"
#include "lib/sys.h"
#include "net_bpf.h"
#include "net_bpfprog.h"
#include "net_bpfrec.h"
#include "net_bpfsys.h"
#include "net_cgroup2.h"

/* Every fd -1, so that close knows what was opened. */
static void fds_reset(struct net_bpf *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	b->cg_fd = b->map_rb = b->map_drops = b->map_dedupe = -1;
	for (i = 0; i < 4; i++)
		b->prog[i] = b->link[i] = -1;
}

/* The ring buffer, the drop counter and the UDP dedupe LRU. */
static int maps_new(struct net_bpf *b, char *why, size_t whycap)
{
	b->map_rb = bpfsys_map_new(BPF_MAP_TYPE_RINGBUF, 0, 0,
				   NET_RINGBUF_BYTES, "cellos_net_rb");
	b->map_drops = bpfsys_map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 1,
				      "cellos_net_drop");
	b->map_dedupe = bpfsys_map_new(BPF_MAP_TYPE_LRU_HASH, NETREC_KEY_SIZE,
				       8, NET_UDP_DEDUPE_MAX, "cellos_net_udp");
	if (b->map_rb < 0 || b->map_drops < 0 || b->map_dedupe < 0) {
		snprintf(why, whycap, "BPF_MAP_CREATE %s: %s",
			 b->map_rb < 0 ? "ringbuf" : b->map_drops < 0 ?
			 "array" : "lru_hash", strerror(errno));
		return -1;
	}
	return 0;
}

/* Assemble and load the four programs; the verifier's reason on refusal. */
static int progs_load(struct net_bpf *b, char *why, size_t whycap)
{
	struct netprog_maps m = { b->map_rb, b->map_drops, b->map_dedupe };
	struct bpf_insn insns[NETPROG_MAX_INSNS];
	char name[16], reason[MECH_WHY_MAX];
	int i, n, at;

	for (i = 0; i < 4; i++) {
		at = netprog_attach_types[i];
		n = netprog_build(at, &m, insns, NETPROG_MAX_INSNS);
		if (n < 0) {
			snprintf(why, whycap, "assembling %s", netprog_name(at));
			return -1;
		}
		snprintf(name, sizeof(name), "cellos_%s", netprog_name(at));
		b->prog[i] = bpfsys_prog_new(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, at,
					     name, insns, (size_t)n, reason,
					     sizeof(reason));
		if (b->prog[i] < 0) {
			snprintf(why, whycap, "%s: %s", netprog_name(at), reason);
			return -1;
		}
	}
	return 0;
}

/* Open the cgroup directory (finding or mounting the root) and attach. */
static int attach_all(struct net_bpf *b, const char *cgroup, char *why,
		      size_t whycap)
{
	int i;

	if (cgroup)
		snprintf(b->cgpath, sizeof(b->cgpath), "%s", cgroup);
	else if (cgroup2_root(b->cgpath, sizeof(b->cgpath), &b->mounted, why,
			      whycap) < 0)
		return -1;
	b->cg_fd = open(b->cgpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->cg_fd < 0) {
		snprintf(why, whycap, "open %s: %s", b->cgpath, strerror(errno));
		return -1;
	}
	for (i = 0; i < 4; i++) {
		if (bpfsys_attach(b->prog[i], b->cg_fd, netprog_attach_types[i],
				  &b->link[i]) < 0) {
			snprintf(why, whycap, "attach %s to %s: %s",
				 netprog_name(netprog_attach_types[i]),
				 b->cgpath, strerror(errno));
			return -1;
		}
		b->legacy[i] = b->link[i] < 0;
	}
	return 0;
}

/* One record: parse, fill the event, emit. */
static void on_record(void *ctx, const uint8_t *p, uint32_t n)
{
	struct net_bpf *b = ctx;
	struct netrec r;

	if (netrec_parse(p, n, &r) < 0) {
		b->p->dropped[LOSS_PROBE_ERROR]++;
		return;
	}
	netrec_event(&r, &b->ev);
	actor_stamp(&b->ev);		/* the connecting process's start_ns */
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

static void bpf_read(void *vb, int fd)
{
	(void)fd;
	consume(vb, NET_BATCH);
}

/* Ring buffer writes that failed in the kernel (the programs count them). */
static uint64_t drops(const struct net_bpf *b)
{
	uint32_t key = 0;
	uint64_t v = 0;

	if (b->map_drops < 0 || bpfsys_map_get(b->map_drops, &key, &v) < 0)
		return b->drops_final;
	return v;
}

static void bpf_refresh(const void *vb, uint64_t *dropped)
{
	dropped[LOSS_NET_RINGBUF] = drops(vb);
}

/* Detach the programs (no new records); the ring stays readable. */
static void detach(struct net_bpf *b)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (b->legacy[i])
			bpfsys_detach(b->prog[i], b->cg_fd,
				      netprog_attach_types[i]);
		b->legacy[i] = 0;
		sys_close(&b->link[i]);	/* closing a bpf_link detaches it */
	}
}

/* Detach, unmap, close every fd. */
static void release(struct net_bpf *b)
{
	int i;

	detach(b);
	b->drops_final = drops(b);
	for (i = 0; i < 4; i++)
		sys_close(&b->prog[i]);
	ringbuf_close(&b->rb);
	sys_close(&b->cg_fd);
	sys_close(&b->map_rb);
	sys_close(&b->map_drops);
	sys_close(&b->map_dedupe);
	if (b->mounted)
		cgroup2_unmount(b->cgpath);
	b->mounted = 0;
}

static int bpf_open(void *vb, const struct net_backend_cfg *bc, int *fds,
		    char *why, size_t whycap)
{
	struct net_bpf *b = vb;

	fds_reset(b);
	b->p = bc->p;
	if (maps_new(b, why, whycap) < 0 || progs_load(b, why, whycap) < 0 ||
	    attach_all(b, bc->cgroup, why, whycap) < 0)
		goto fail;
	if (ringbuf_open(&b->rb, b->map_rb, NET_RINGBUF_BYTES) < 0) {
		snprintf(why, whycap, "mmap ringbuf: %s", strerror(errno));
		goto fail;
	}
	log_debug("net: BPF hooks on %s (%s)", b->cgpath,
		  b->legacy[0] ? "BPF_F_ALLOW_MULTI" : "bpf_link");
	fds[0] = b->map_rb;
	return 1;
fail:
	release(b);
	return -1;
}

/* Detach first, then hand out what the ring still holds. */
static void bpf_close(void *vb)
{
	struct net_bpf *b = vb;

	detach(b);
	while (consume(b, NET_BATCH) > 0)
		;
	release(b);
}

const struct net_backend net_bpf_backend = {
	.name = "bpf",
	.open = bpf_open,
	.read = bpf_read,
	.refresh = bpf_refresh,
	.close = bpf_close,
};
