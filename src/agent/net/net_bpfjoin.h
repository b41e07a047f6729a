/*
 * net_bpfjoin.h: the steps the net probe's BPF programs share around the
 * connection table (net_bpfconn.h): count a drop, find the entry of the
 * context's own socket, stamp it, send it, delete it.
 *
 * Register contract of every program that uses them: r6 = the context
 * (any that bpf_get_socket_cookie takes), r7 = the entry once found,
 * r10 = the frame; the steps clobber r0-r5 only.  Stack offsets are the
 * caller's, so that each program keeps its own frame layout.
 */
#pragma once
#include "net_bpfasm.h"
#include "net_bpfprog.h"

/* drops[slot] += 1, with a u32 key at fp + key_off. */
void netjoin_count(struct asm_buf *a, int drops, int slot, int key_off);
/* The socket's cookie to fp + key_off, its entry to r7; exit if none. */
void netjoin_find_self(struct asm_buf *a, int conns, int key_off);
/* map[fp + key_off] to r0, or goto miss. */
void netjoin_lookup(struct asm_buf *a, int map, int key_off, int miss);
/* The entry's NOW (and, est: EST too) = bpf_ktime_get_ns(). */
void netjoin_stamp(struct asm_buf *a, int est);
/* The entry's flags |= flag (NETCONN_F_*). */
void netjoin_flag(struct asm_buf *a, unsigned flag);
/* Send the entry at r7 (its kind already set) as an outcome; count a
 * failed write (key_off: a u32 of scratch for the drop counter's key). */
void netjoin_send(struct asm_buf *a, const struct netprog_maps *m,
		  int key_off);
/* map[fp + key_off] = *value_reg (a pointer to the value) with flags; a
 * failure other than -EEXIST counts as NETDROP_UNTRACKED (drop_off: a
 * u32 of scratch).  Falls through either way, r0 the update's result. */
void netjoin_put(struct asm_buf *a, const struct netprog_maps *m, int map,
		 int key_off, int value_reg, int flags, int drop_off);
/* Delete map[fp + key_off]. */
void netjoin_delete(struct asm_buf *a, int map, int key_off);
