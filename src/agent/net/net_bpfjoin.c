/*
 * net_bpfjoin.c: instruction sequences the sock_addr, sock_ops,
 * sock_release and egress programs share (net_bpfjoin.h).
 *
 * Each is a few instructions with the helper calls in the order the
 * verifier wants them checked; none knows which program it is in.
 */
#include <errno.h>
#include "net_bpfconn.h"
#include "net_bpfjoin.h"

void netjoin_count(struct asm_buf *a, int drops, int slot, int key_off)
{
	int done = asm_newlabel(a);

	ST_IMM(a, BPF_W, BPF_REG_10, key_off, slot);
	asm_ld_map(a, BPF_REG_1, drops);
	asm_stack_ptr(a, BPF_REG_2, key_off);
	CALL(a, BPF_FUNC_map_lookup_elem);
	asm_jmp(a, BPF_JEQ, BPF_REG_0, 0, done);
	MOV_IMM(a, BPF_REG_1, 1);
	XADD64(a, BPF_REG_0, BPF_REG_1, 0);
	asm_label(a, done);
}

void netjoin_lookup(struct asm_buf *a, int map, int key_off, int miss)
{
	asm_ld_map(a, BPF_REG_1, map);
	asm_stack_ptr(a, BPF_REG_2, key_off);
	CALL(a, BPF_FUNC_map_lookup_elem);
	asm_jmp(a, BPF_JEQ, BPF_REG_0, 0, miss);
}

void netjoin_find_self(struct asm_buf *a, int conns, int key_off)
{
	MOV_REG(a, BPF_REG_1, BPF_REG_6);
	CALL(a, BPF_FUNC_get_socket_cookie);
	STX(a, BPF_DW, BPF_REG_10, BPF_REG_0, key_off);
	netjoin_lookup(a, conns, key_off, ASM_EXIT);
	MOV_REG(a, BPF_REG_7, BPF_REG_0);
}

void netjoin_stamp(struct asm_buf *a, int est)
{
	CALL(a, BPF_FUNC_ktime_get_ns);
	STX(a, BPF_DW, BPF_REG_7, BPF_REG_0, NETCONN_OFF_NOW);
	if (est)
		STX(a, BPF_DW, BPF_REG_7, BPF_REG_0, NETCONN_OFF_EST);
}

void netjoin_flag(struct asm_buf *a, unsigned flag)
{
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_7, NETCONN_OFF_FLAGS);
	OR_IMM(a, BPF_REG_1, (int)flag);
	STX(a, BPF_W, BPF_REG_7, BPF_REG_1, NETCONN_OFF_FLAGS);
}

void netjoin_send(struct asm_buf *a, const struct netprog_maps *m,
		  int key_off)
{
	int sent = asm_newlabel(a);

	ST_IMM(a, BPF_W, BPF_REG_7, NETCONN_OFF_MAGIC, (int)NETCONN_MAGIC);
	asm_ld_map(a, BPF_REG_1, m->ringbuf);
	MOV_REG(a, BPF_REG_2, BPF_REG_7);
	MOV_IMM(a, BPF_REG_3, NETCONN_SIZE);
	MOV_IMM(a, BPF_REG_4, 0);
	CALL(a, BPF_FUNC_ringbuf_output);
	asm_jmp(a, BPF_JEQ, BPF_REG_0, 0, sent);
	netjoin_count(a, m->drops, NETDROP_RINGBUF, key_off);
	asm_label(a, sent);
}

void netjoin_put(struct asm_buf *a, const struct netprog_maps *m, int map,
		 int key_off, int value_reg, int flags, int drop_off)
{
	int done = asm_newlabel(a);

	if (value_reg != BPF_REG_3)
		MOV_REG(a, BPF_REG_3, value_reg);
	asm_ld_map(a, BPF_REG_1, map);
	asm_stack_ptr(a, BPF_REG_2, key_off);
	MOV_IMM(a, BPF_REG_4, flags);
	CALL(a, BPF_FUNC_map_update_elem);
	asm_jmp(a, BPF_JEQ, BPF_REG_0, 0, done);
	asm_jmp(a, BPF_JEQ, BPF_REG_0, -EEXIST, done);
	netjoin_count(a, m->drops, NETDROP_UNTRACKED, drop_off);
	asm_label(a, done);
}

void netjoin_delete(struct asm_buf *a, int map, int key_off)
{
	asm_ld_map(a, BPF_REG_1, map);
	asm_stack_ptr(a, BPF_REG_2, key_off);
	CALL(a, BPF_FUNC_map_delete_elem);
}
