/*
 * net_bpfprog.c: assembles the net probe's cgroup sock_addr programs
 * (connect4/6, sendmsg4/6, bind4/6), and keeps the registry of all nine
 * (netprog_all, netprog_assemble: the others are net_bpfops.c's and
 * net_bpfsk.c's).
 *
 * Through the assembler of net_bpfasm.c.  Register use: r6 = the context
 * (struct bpf_sock_addr), r10 = frame pointer; the record is built on the
 * stack at REC and written with bpf_ringbuf_output.  With the outcome
 * layer the connection entry (net_bpfconn.h) is the record with its
 * zeroed state in front (CONN..REC) and goes into the connection table
 * before the record is written.  This file only builds instructions;
 * net_bpfsys.c loads them and the verifier has the last word
 * (tests/unit/test_net_bpfprog.c).
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include "net_bpfconn.h"
#include "net_bpfjoin.h"
#include "net_bpfops.h"
#include "net_bpfrec.h"
#include "net_bpfprog.h"
#include "net_bpfsk.h"

#define REC	(-NETREC_SIZE)		/* record on the stack: fp-88 .. fp-1 */
#define CONN	(REC - NETCONN_OFF_REC)	/* entry: fp-216 .. fp-1 */
#define DROPKEY	(REC - 8)		/* u32 key of the drop counter (in
					 * CONN: used after the entry went) */

const struct netprog_def netprog_all[NETPROG_N] = {
	{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT },
	{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT },
	{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG },
	{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG },
	{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND },
	{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND },
	{ BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS },
	{ BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS },
	{ BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE },
};

/* if (reg op k) goto exit. */
static void jmp_exit(struct asm_buf *a, int op, int reg, int k)
{
	asm_jmp(a, op, reg, k, ASM_EXIT);
}

/* The exit label: return 1 (allow). */
static void land_exit(struct asm_buf *a)
{
	asm_label(a, ASM_EXIT);
	MOV_IMM(a, BPF_REG_0, 1);
	EXIT(a);
}

/* Zero the record, then fill what the helpers know of the caller. */
static void rec_task(struct asm_buf *a, int attach)
{
	int i;

	MOV_REG(a, BPF_REG_6, BPF_REG_1);
	for (i = 0; i < NETREC_SIZE; i += 8)
		ST_IMM(a, BPF_DW, BPF_REG_10, REC + i, 0);
	ST_IMM(a, BPF_W, BPF_REG_10, REC + NETREC_OFF_MAGIC, (int)NETREC_MAGIC);
	ST_IMM(a, BPF_W, BPF_REG_10, REC + NETREC_OFF_ATTACH, attach);
	CALL(a, BPF_FUNC_get_current_pid_tgid);
	STX(a, BPF_DW, BPF_REG_10, BPF_REG_0, REC + NETREC_OFF_PIDTGID);
	CALL(a, BPF_FUNC_get_current_uid_gid);
	STX(a, BPF_DW, BPF_REG_10, BPF_REG_0, REC + NETREC_OFF_UIDGID);
	CALL(a, BPF_FUNC_ktime_get_ns);
	STX(a, BPF_DW, BPF_REG_10, BPF_REG_0, REC + NETREC_OFF_KTIME);
	MOV_REG(a, BPF_REG_1, BPF_REG_6);
	CALL(a, BPF_FUNC_get_socket_cookie);
	STX(a, BPF_DW, BPF_REG_10, BPF_REG_0, REC + NETREC_OFF_COOKIE);
	asm_stack_ptr(a, BPF_REG_1, REC + NETREC_OFF_COMM);
	MOV_IMM(a, BPF_REG_2, 16);
	CALL(a, BPF_FUNC_get_current_comm);
}

/* Copy one u32 of the context into the record. */
static void ctx_u32(struct asm_buf *a, size_t ctx_off, int rec_off)
{
	LDX(a, BPF_W, BPF_REG_1, BPF_REG_6, (int)ctx_off);
	STX(a, BPF_W, BPF_REG_10, BPF_REG_1, REC + rec_off);
}

/* Type, protocol, port and address from the context.  A v4 hook may
 * only read user_ip4 and a v6 hook only user_ip6 (the verifier checks). */
static void rec_sock(struct asm_buf *a, int v6)
{
	int i;

	ctx_u32(a, offsetof(struct bpf_sock_addr, type), NETREC_OFF_TYPE);
	ctx_u32(a, offsetof(struct bpf_sock_addr, protocol), NETREC_OFF_PROTO);
	ctx_u32(a, offsetof(struct bpf_sock_addr, user_port), NETREC_OFF_PORT);
	if (!v6) {
		ctx_u32(a, offsetof(struct bpf_sock_addr, user_ip4), NETREC_OFF_ADDR);
		return;
	}
	for (i = 0; i < 4; i++)
		ctx_u32(a, offsetof(struct bpf_sock_addr, user_ip6) + 4 * (size_t)i,
			NETREC_OFF_ADDR + 4 * i);
}

/* sendmsg: goto exit when (cookie, destination) is in the LRU; else add it. */
static void dedupe(struct asm_buf *a, int fd)
{
	asm_ld_map(a, BPF_REG_1, fd);
	asm_stack_ptr(a, BPF_REG_2, REC + NETREC_KEY_OFF);
	CALL(a, BPF_FUNC_map_lookup_elem);
	jmp_exit(a, BPF_JNE, BPF_REG_0, 0);
	asm_ld_map(a, BPF_REG_1, fd);
	asm_stack_ptr(a, BPF_REG_2, REC + NETREC_KEY_OFF);
	asm_stack_ptr(a, BPF_REG_3, REC + NETREC_OFF_KTIME);
	MOV_IMM(a, BPF_REG_4, BPF_ANY);
	CALL(a, BPF_FUNC_map_update_elem);
}

/* Write the record; on failure forget the dedupe entry (a later send may
 * then report it) and count the drop. */
static void output(struct asm_buf *a, const struct netprog_maps *m, int udp)
{
	asm_ld_map(a, BPF_REG_1, m->ringbuf);
	asm_stack_ptr(a, BPF_REG_2, REC);
	MOV_IMM(a, BPF_REG_3, NETREC_SIZE);
	MOV_IMM(a, BPF_REG_4, 0);
	CALL(a, BPF_FUNC_ringbuf_output);
	jmp_exit(a, BPF_JEQ, BPF_REG_0, 0);
	if (udp) {
		asm_ld_map(a, BPF_REG_1, m->dedupe);
		asm_stack_ptr(a, BPF_REG_2, REC + NETREC_KEY_OFF);
		CALL(a, BPF_FUNC_map_delete_elem);
	}
	netjoin_count(a, m->drops, NETDROP_RINGBUF, DROPKEY);
}

/* The entry (zeroed state, then the record) into the connection table
 * under the socket's cookie; flags BPF_NOEXIST keeps an entry already
 * there.  A full table counts the connection as untracked. */
static void join(struct asm_buf *a, const struct netprog_maps *m, int flags)
{
	int i;

	for (i = 0; i < NETCONN_OFF_REC; i += 8)
		ST_IMM(a, BPF_DW, BPF_REG_10, CONN + i, 0);
	asm_stack_ptr(a, BPF_REG_3, CONN);
	netjoin_put(a, m, m->conns, REC + NETREC_OFF_COOKIE, BPF_REG_3, flags,
		    DROPKEY);
}

/* bind: only TCP sockets (a listener's entry names its owner). */
static void tcp_only(struct asm_buf *a)
{
	LDX(a, BPF_W, BPF_REG_2, BPF_REG_1,
	    offsetof(struct bpf_sock_addr, type));
	jmp_exit(a, BPF_JNE, BPF_REG_2, SOCK_STREAM);
}

int netprog_build(int attach_type, const struct netprog_maps *m,
		  struct bpf_insn *insns, size_t cap)
{
	struct asm_buf a;
	int v6, udp, bind = 0;

	switch (attach_type) {
	case BPF_CGROUP_INET4_CONNECT:	v6 = 0; udp = 0; break;
	case BPF_CGROUP_INET6_CONNECT:	v6 = 1; udp = 0; break;
	case BPF_CGROUP_UDP4_SENDMSG:	v6 = 0; udp = 1; break;
	case BPF_CGROUP_UDP6_SENDMSG:	v6 = 1; udp = 1; break;
	case BPF_CGROUP_INET4_BIND:	v6 = 0; udp = 0; bind = 1; break;
	case BPF_CGROUP_INET6_BIND:	v6 = 1; udp = 0; bind = 1; break;
	default:			return -1;
	}
	if (bind && m->conns < 0)
		return -1;
	asm_init(&a, insns, cap);
	if (bind)
		tcp_only(&a);
	rec_task(&a, attach_type);
	rec_sock(&a, v6);
	if (udp)
		dedupe(&a, m->dedupe);
	if (m->conns >= 0)
		join(&a, m, udp ? BPF_NOEXIST : BPF_ANY);
	if (!bind)
		output(&a, m, udp);
	land_exit(&a);
	return asm_end(&a);
}

int netprog_assemble(int i, const struct netprog_maps *m,
		     struct bpf_insn *insns, size_t cap)
{
	if (i < 0 || i >= NETPROG_N)
		return -1;
	if (netprog_all[i].type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
		return netprog_build(netprog_all[i].attach, m, insns, cap);
	if (netprog_all[i].type == BPF_PROG_TYPE_SOCK_OPS)
		return netops_build(m, insns, cap);
	return netsk_build(netprog_all[i].attach, m, insns, cap);
}

const char *netprog_name(int attach_type)
{
	switch (attach_type) {
	case BPF_CGROUP_INET4_CONNECT:	return "connect4";
	case BPF_CGROUP_INET6_CONNECT:	return "connect6";
	case BPF_CGROUP_UDP4_SENDMSG:	return "sendmsg4";
	case BPF_CGROUP_UDP6_SENDMSG:	return "sendmsg6";
	case BPF_CGROUP_INET4_BIND:	return "bind4";
	case BPF_CGROUP_INET6_BIND:	return "bind6";
	case BPF_CGROUP_SOCK_OPS:	return "sock_ops";
	case BPF_CGROUP_INET_SOCK_RELEASE: return "release";
	case BPF_CGROUP_INET_EGRESS:	return "egress";
	}
	return "?";
}
