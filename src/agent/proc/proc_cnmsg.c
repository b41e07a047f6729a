/*
 * proc_cnmsg.c: the proc connector datagram parser and request builder.
 *
 * Every read goes through memcpy from a bounds-checked offset, so any
 * bytes (a fuzzer's or a hostile kernel's) are safe to feed.  The kernel
 * sends each event as an NLMSG_DONE message carrying a struct cn_msg whose
 * data is a struct proc_event.  Uid, gid, sid, ptrace and coredump
 * events are counted as ignored: the agent never asks for them but an old
 * kernel without the event filter sends them anyway.
 */
#include <string.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "lib/bytes.h"
#include "proc_cnmsg.h"

/* offsetof(struct proc_event, event_data): what, cpu, timestamp_ns. */
#define EV_HDR 16u

/* Decode one proc_event of n bytes; 0 when handled, -1 when too short. */
static int parse_event(const uint8_t *ev, size_t n, cnproc_fn *fn, void *ctx,
		       struct cnproc_stats *st)
{
	struct cnproc_rec r = { 0 };
	uint32_t what;
	size_t need;

	if (n < EV_HDR)
		return -1;
	what = ne32_get(ev, 0);
	memcpy(&r.ts_ns, ev + 8, sizeof(r.ts_ns));
	switch (what) {
	case PROC_EVENT_NONE: r.kind = CNP_ACK; need = 4; break;
	case PROC_EVENT_FORK: r.kind = CNP_FORK; need = 16; break;
	case PROC_EVENT_EXEC: r.kind = CNP_EXEC; need = 8; break;
	case PROC_EVENT_EXIT: r.kind = CNP_EXIT; need = 16; break;
	case PROC_EVENT_COMM: r.kind = CNP_COMM; need = 24; break;
	default:
		st->ignored++;
		return 0;
	}
	if (n < EV_HDR + need)
		return -1;
	ev += EV_HDR;
	if (r.kind == CNP_ACK) {
		r.err = ne32_get(ev, 0);
	} else if (r.kind == CNP_FORK) {
		r.ppid = ne32_get(ev, 0), r.ptgid = ne32_get(ev, 4);
		r.pid = ne32_get(ev, 8), r.tgid = ne32_get(ev, 12);
	} else {
		r.pid = ne32_get(ev, 0), r.tgid = ne32_get(ev, 4);
		if (r.kind == CNP_COMM)
			memcpy(r.comm, ev + 8, sizeof(r.comm));
		if (r.kind == CNP_EXIT) {
			r.status = ne32_get(ev, 8);
			/* parent fields came later (kernel 4.x): use when sent */
			if (n >= EV_HDR + 24)
				r.ppid = ne32_get(ev, 16), r.ptgid = ne32_get(ev, 20);
		}
	}
	st->records++;
	fn(ctx, &r);
	return 0;
}

/* Check one netlink message's connector header and hand its event on. */
static void parse_msg(const uint8_t *m, size_t len, cnproc_fn *fn, void *ctx,
		      struct cnproc_stats *st)
{
	struct nlmsghdr nh;
	struct cn_msg cn;

	memcpy(&nh, m, sizeof(nh));
	if (nh.nlmsg_type == NLMSG_NOOP)
		return;
	if (nh.nlmsg_type != NLMSG_DONE ||
	    len < NLMSG_HDRLEN + sizeof(cn)) {
		st->malformed++;
		return;
	}
	memcpy(&cn, m + NLMSG_HDRLEN, sizeof(cn));
	if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC ||
	    cn.len > len - NLMSG_HDRLEN - sizeof(cn) ||
	    parse_event(m + NLMSG_HDRLEN + sizeof(cn), cn.len, fn, ctx, st) < 0)
		st->malformed++;
}

void cnproc_parse(const void *buf, size_t len, cnproc_fn *fn, void *ctx,
		  struct cnproc_stats *st)
{
	const uint8_t *p = buf;
	struct nlmsghdr nh;
	size_t off = 0, step;

	while (len - off >= NLMSG_HDRLEN) {
		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len - off) {
			st->malformed++;
			return;
		}
		parse_msg(p + off, nh.nlmsg_len, fn, ctx, st);
		step = NLMSG_ALIGN(nh.nlmsg_len);
		if (step > len - off)
			return;
		off += step;
	}
	if (off != len)
		st->malformed++;
}

int cnproc_request(void *buf, size_t cap, uint32_t op, uint32_t ev_mask,
		   uint32_t seq)
{
	uint32_t data[2] = { op, ev_mask };
	size_t dlen = ev_mask ? 8 : 4;
	size_t total = NLMSG_HDRLEN + sizeof(struct cn_msg) + dlen;
	struct nlmsghdr nh = { 0 };
	struct cn_msg cn = { 0 };

	if (cap < total)
		return -1;
	nh.nlmsg_len = (uint32_t)total;
	nh.nlmsg_type = NLMSG_DONE;
	nh.nlmsg_seq = seq;
	cn.id.idx = CN_IDX_PROC;
	cn.id.val = CN_VAL_PROC;
	cn.seq = seq;
	cn.len = (uint16_t)dlen;
	memset(buf, 0, total);
	memcpy(buf, &nh, sizeof(nh));
	memcpy((uint8_t *)buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy((uint8_t *)buf + NLMSG_HDRLEN + sizeof(cn), data, dlen);
	return (int)total;
}
