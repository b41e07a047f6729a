/*
 * net_bpfprog.c: assembles the net probe's cgroup sock_addr programs.
 *
 * A tiny emitter over struct bpf_insn with forward jumps patched to one
 * exit label.  Register use: r6 = the context (struct bpf_sock_addr),
 * r10 = frame pointer; the record is built on the stack at REC and written
 * with bpf_ringbuf_output.  This file only builds instructions; net_bpfsys.c
 * loads them and the verifier has the last word (tests/unit/test_netprog.c).
 */
#include <stddef.h>
#include <string.h>
#include "net_bpfrec.h"
#include "net_bpfprog.h"

#define REC	(-NETREC_SIZE)		/* record on the stack: fp-88 .. fp-1 */
#define DROPKEY	(REC - 8)		/* u32 key 0 of the drop counter */
#define MAXJ	8			/* jumps to the exit label */

const int netprog_attach_types[4] = {
	BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,
	BPF_CGROUP_UDP4_SENDMSG, BPF_CGROUP_UDP6_SENDMSG,
};

struct asm_buf {
	struct bpf_insn *p;
	size_t n, cap;
	int err;
	size_t jumps[MAXJ];
	size_t njumps;
};

/* Append one instruction; a full buffer is an error at the end. */
static void emit(struct asm_buf *a, int code, int dst, int src, int off,
		 int imm)
{
	struct bpf_insn *i;

	if (a->n >= a->cap) {
		a->err = 1;
		return;
	}
	i = &a->p[a->n++];
	memset(i, 0, sizeof(*i));
	i->code = (uint8_t)code;
	i->dst_reg = (uint8_t)(dst & 0xf);
	i->src_reg = (uint8_t)(src & 0xf);
	i->off = (int16_t)off;
	i->imm = imm;
}

#define MOV_REG(a, d, s)	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(a, d, k)	emit(a, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD_IMM(a, d, k)	emit(a, BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define LDX(a, sz, d, s, o)	emit(a, BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define STX(a, sz, d, s, o)	emit(a, BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ST_IMM(a, sz, d, o, k)	emit(a, BPF_ST | (sz) | BPF_MEM, d, 0, o, k)
#define CALL(a, fn)		emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT(a)			emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* lock *(u64 *)(d + o) += s */
#define XADD64(a, d, s, o)	emit(a, BPF_STX | BPF_DW | BPF_ATOMIC, d, s, o, BPF_ADD)

/* r = the map's fd, turned into the map by the loader (two slots). */
static void ld_map(struct asm_buf *a, int reg, int fd)
{
	emit(a, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, fd);
	emit(a, 0, 0, 0, 0, 0);
}

/* r = fp + off: a pointer into the stack frame. */
static void stack_ptr(struct asm_buf *a, int reg, int off)
{
	MOV_REG(a, reg, BPF_REG_10);
	ADD_IMM(a, reg, off);
}

/* if (reg op k) goto exit: patched by land_exit. */
static void jmp_exit(struct asm_buf *a, int op, int reg, int k)
{
	if (a->njumps >= MAXJ) {
		a->err = 1;
		return;
	}
	a->jumps[a->njumps++] = a->n;
	emit(a, BPF_JMP | op | BPF_K, reg, 0, 0, k);
}

/* The exit label: return 1 (allow). */
static void land_exit(struct asm_buf *a)
{
	size_t i;

	for (i = 0; i < a->njumps; i++)
		a->p[a->jumps[i]].off = (int16_t)(a->n - a->jumps[i] - 1);
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
	stack_ptr(a, BPF_REG_1, REC + NETREC_OFF_COMM);
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
	ld_map(a, BPF_REG_1, fd);
	stack_ptr(a, BPF_REG_2, REC + NETREC_KEY_OFF);
	CALL(a, BPF_FUNC_map_lookup_elem);
	jmp_exit(a, BPF_JNE, BPF_REG_0, 0);
	ld_map(a, BPF_REG_1, fd);
	stack_ptr(a, BPF_REG_2, REC + NETREC_KEY_OFF);
	stack_ptr(a, BPF_REG_3, REC + NETREC_OFF_KTIME);
	MOV_IMM(a, BPF_REG_4, BPF_ANY);
	CALL(a, BPF_FUNC_map_update_elem);
}

/* Write the record; on failure forget the dedupe entry (a later send may
 * then report it) and count the drop. */
static void output(struct asm_buf *a, const struct netprog_maps *m, int udp)
{
	ld_map(a, BPF_REG_1, m->ringbuf);
	stack_ptr(a, BPF_REG_2, REC);
	MOV_IMM(a, BPF_REG_3, NETREC_SIZE);
	MOV_IMM(a, BPF_REG_4, 0);
	CALL(a, BPF_FUNC_ringbuf_output);
	jmp_exit(a, BPF_JEQ, BPF_REG_0, 0);
	if (udp) {
		ld_map(a, BPF_REG_1, m->dedupe);
		stack_ptr(a, BPF_REG_2, REC + NETREC_KEY_OFF);
		CALL(a, BPF_FUNC_map_delete_elem);
	}
	ST_IMM(a, BPF_W, BPF_REG_10, DROPKEY, 0);
	ld_map(a, BPF_REG_1, m->drops);
	stack_ptr(a, BPF_REG_2, DROPKEY);
	CALL(a, BPF_FUNC_map_lookup_elem);
	jmp_exit(a, BPF_JEQ, BPF_REG_0, 0);
	MOV_IMM(a, BPF_REG_1, 1);
	XADD64(a, BPF_REG_0, BPF_REG_1, 0);
}

int netprog_build(int attach_type, const struct netprog_maps *m,
		  struct bpf_insn *insns, size_t cap)
{
	struct asm_buf a = { .p = insns, .cap = cap };
	int v6, udp;

	switch (attach_type) {
	case BPF_CGROUP_INET4_CONNECT:	v6 = 0; udp = 0; break;
	case BPF_CGROUP_INET6_CONNECT:	v6 = 1; udp = 0; break;
	case BPF_CGROUP_UDP4_SENDMSG:	v6 = 0; udp = 1; break;
	case BPF_CGROUP_UDP6_SENDMSG:	v6 = 1; udp = 1; break;
	default:			return -1;
	}
	rec_task(&a, attach_type);
	rec_sock(&a, v6);
	if (udp)
		dedupe(&a, m->dedupe);
	output(&a, m, udp);
	land_exit(&a);
	return a.err ? -1 : (int)a.n;
}

const char *netprog_name(int attach_type)
{
	switch (attach_type) {
	case BPF_CGROUP_INET4_CONNECT:	return "connect4";
	case BPF_CGROUP_INET6_CONNECT:	return "connect6";
	case BPF_CGROUP_UDP4_SENDMSG:	return "sendmsg4";
	case BPF_CGROUP_UDP6_SENDMSG:	return "sendmsg6";
	}
	return "?";
}
