/*
 * net_bpf.c: the net probe's primary mechanism: cgroup sock_addr BPF
 * programs on connect4/6 and UDP sendmsg4/6, records through a ring
 * buffer.
 *
 * Set-up creates the maps, loads the programs (netprog.c), attaches them
 * to the cgroup2 root (or a configured directory) and maps the ring.  The
 * loop only reads the ring; close detaches and frees everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "net_cgroup2.h"
#include "net_bpfsys.h"
#include "net_backend.h"
#include "net_bpfprog.h"
#include "net_bpfrec.h"

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

int net_bpf_open(struct net_bpf *b, const char *cgroup, char *why,
		 size_t whycap)
{
	fds_reset(b);
	if (maps_new(b, why, whycap) < 0 || progs_load(b, why, whycap) < 0 ||
	    attach_all(b, cgroup, why, whycap) < 0)
		goto fail;
	if (ringbuf_open(&b->rb, b->map_rb, NET_RINGBUF_BYTES) < 0) {
		snprintf(why, whycap, "mmap ringbuf: %s", strerror(errno));
		goto fail;
	}
	log_debug("net: BPF hooks on %s (%s)", b->cgpath,
		  b->legacy[0] ? "BPF_F_ALLOW_MULTI" : "bpf_link");
	return 0;
fail:
	net_bpf_close(b);
	return -1;
}

struct rec_ctx {
	struct net_bpf *b;
	struct net_out *o;
};

/* One record: parse, fill the event, emit. */
static void on_record(void *ctx, const uint8_t *p, uint32_t n)
{
	struct rec_ctx *rc = ctx;
	struct netrec r;

	if (netrec_parse(p, n, &r) < 0) {
		rc->b->bad++;
		return;
	}
	netrec_event(&r, &rc->o->ev);
	probe_net_out_emit(rc->o);
}

unsigned net_bpf_read(struct net_bpf *b, struct net_out *o, unsigned max)
{
	struct rec_ctx rc = { b, o };

	return ringbuf_consume(&b->rb, max, on_record, &rc);
}

uint64_t net_bpf_drops(const struct net_bpf *b)
{
	uint32_t key = 0;
	uint64_t v = 0;

	if (b->map_drops < 0 || bpfsys_map_get(b->map_drops, &key, &v) < 0)
		return b->drops_final;
	return v;
}

/* Close *fd when open and mark it closed. */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void net_bpf_detach(struct net_bpf *b)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (b->legacy[i])
			bpfsys_detach(b->prog[i], b->cg_fd,
				      netprog_attach_types[i]);
		b->legacy[i] = 0;
		close_fd(&b->link[i]);	/* closing a bpf_link detaches it */
	}
}

void net_bpf_close(struct net_bpf *b)
{
	int i;

	net_bpf_detach(b);
	b->drops_final = net_bpf_drops(b);
	for (i = 0; i < 4; i++)
		close_fd(&b->prog[i]);
	ringbuf_close(&b->rb);
	close_fd(&b->cg_fd);
	close_fd(&b->map_rb);
	close_fd(&b->map_drops);
	close_fd(&b->map_dedupe);
	if (b->mounted)
		cgroup2_unmount(b->cgpath);
	b->mounted = 0;
}
