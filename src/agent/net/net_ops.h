/*
 * probe_net.h: the net probe (net.connect_attempted), loop-agnostic.
 *
 *   open      arm the best mechanism the kernel allows: cgroup sock_addr
 *             BPF hooks (every connect and UDP sendmsg at the syscall,
 *             with pid, comm, uid), else sock_diag destroy groups + dumps,
 *             else /proc/net polling; or the one cfg->mode names
 *   fds       the fds to poll for input (level-triggered)
 *   readable  one of them is readable: handle a bounded batch
 *   deadline  the next absolute CLOCK_MONOTONIC time tick wants, 0: none
 *   tick      periodic work (dumps, polls) when due
 *   losses    (reason, count) pairs for the heartbeat's `dropped`
 *   close     detach, hand out what is still queued, free everything
 *
 * Each event is handed to emit(ctx, ev) and is valid during the call
 * only.  No allocation after open: every table is inside struct probe_net
 * (about 340 KiB, most of it the fallbacks' tables; keep it static).
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "net_backend.h"

enum probe_net_mode {
	PROBE_NET_AUTO,		/* bpf, else diag, else proc */
	PROBE_NET_BPF,
	PROBE_NET_DIAG,
	PROBE_NET_PROC,
};

struct probe_net_cfg {
	int mode;		/* enum probe_net_mode */
	const char *cgroup;	/* cgroup2 directory to attach to; NULL: root */
	uint64_t poll_ns;	/* dump/poll cadence of the fallbacks; 0: default */
};

struct probe_net {
	int mode;		/* the armed mechanism; PROBE_NET_AUTO: none */
	int closed;		/* after close: only losses may be asked */
	char why[MECH_WHY_MAX];	/* why a better mechanism was refused */
	struct net_out out;
	union {
		struct net_bpf bpf;
		struct net_diag diag;
		struct net_proc proc;
	} m;
};

/* 0 when a mechanism is armed; -1 with pn->why when none could be. */
int probe_net_open(struct probe_net *pn, const struct probe_net_cfg *cfg,
		   void (*emit)(void *ctx, const struct event *ev), void *ctx);
/* For hello: "armed" (BPF), "fallback:sock_diag", "fallback:proc_net". */
const char *probe_net_status(const struct probe_net *pn);
/* The fds to watch for input; returns how many (at most cap). */
int probe_net_fds(const struct probe_net *pn, int *fds, int cap);
/* fd is readable: read at most NET_BATCH records or datagrams. */
void probe_net_readable(struct probe_net *pn, int fd);
uint64_t probe_net_deadline(const struct probe_net *pn);
void probe_net_tick(struct probe_net *pn, uint64_t now);
/* Loss counters since open: fills reason[i]/count[i], returns how many. */
size_t probe_net_losses(const struct probe_net *pn, const char **reason,
			uint64_t *count, size_t cap);
/* Parse "auto", "bpf", "diag", "proc" (the --probe net=... values); -1
 * when unknown. */
int probe_net_mode_byname(const char *s);
/* Emits what is still queued (the emitter must be valid), then frees.
 * probe_net_losses still answers afterwards, with the final counts. */
void probe_net_close(struct probe_net *pn);
