/*
 * net_bpfasm.h: a tiny assembler for the net probe's BPF programs: raw
 * struct bpf_insn, forward jumps to numbered labels patched at the end.
 *
 * No compiler, no libbpf, no BTF: each program's builder (net_bpfprog.c,
 * net_bpfops.c, net_bpfsk.c) emits instructions through this and the
 * verifier has the last word.  Errors (a full buffer, too many jumps, a
 * label never placed or a jump too far) are sticky and reported by
 * asm_end.  Pure.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "lib/caps.h"

#define ASM_MAXJ	NET_ASM_JUMPS
#define ASM_LABELS	NET_ASM_LABELS
/* Label 0 is every program's exit; asm_newlabel hands out the others. */
#define ASM_EXIT	0

struct asm_buf {
	struct bpf_insn *p;
	size_t n, cap;
	int err;
	struct { size_t at; int label; } jumps[ASM_MAXJ];
	size_t njumps;
	long label_at[ASM_LABELS];	/* instruction index, -1 unplaced */
	int nlabels;			/* labels handed out, the exit's included */
};

/* Start assembling into p (cap instructions). */
void asm_init(struct asm_buf *a, struct bpf_insn *p, size_t cap);
/* Append one instruction. */
void asm_emit(struct asm_buf *a, int code, int dst, int src, int off, int imm);
/* A label of its own for a jump target (placed later by asm_label). */
int asm_newlabel(struct asm_buf *a);
/* if (reg op k) goto label; if (dst op src) goto label. */
void asm_jmp(struct asm_buf *a, int op, int reg, int k, int label);
void asm_jmp_reg(struct asm_buf *a, int op, int dst, int src, int label);
/* goto label. */
void asm_goto(struct asm_buf *a, int label);
/* The next instruction is label's. */
void asm_label(struct asm_buf *a, int label);
/* r = the map's fd, turned into the map by the loader (two slots). */
void asm_ld_map(struct asm_buf *a, int reg, int fd);
/* r = fp + off: a pointer into the stack frame. */
void asm_stack_ptr(struct asm_buf *a, int reg, int off);
/* Patch the jumps: the number of instructions, or -1 on any error. */
int asm_end(struct asm_buf *a);

#define MOV_REG(a, d, s)	asm_emit(a, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(a, d, k)	asm_emit(a, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD_IMM(a, d, k)	asm_emit(a, BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define SUB_REG(a, d, s)	asm_emit(a, BPF_ALU64 | BPF_SUB | BPF_X, d, s, 0, 0)
#define OR_IMM(a, d, k)		asm_emit(a, BPF_ALU64 | BPF_OR | BPF_K, d, 0, 0, k)
#define OR_REG(a, d, s)		asm_emit(a, BPF_ALU64 | BPF_OR | BPF_X, d, s, 0, 0)
#define AND_IMM(a, d, k)	asm_emit(a, BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, k)
#define RSH_IMM(a, d, k)	asm_emit(a, BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)
#define LSH_IMM(a, d, k)	asm_emit(a, BPF_ALU64 | BPF_LSH | BPF_K, d, 0, 0, k)
#define LDX(a, sz, d, s, o)	asm_emit(a, BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define STX(a, sz, d, s, o)	asm_emit(a, BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define ST_IMM(a, sz, d, o, k)	asm_emit(a, BPF_ST | (sz) | BPF_MEM, d, 0, o, k)
#define CALL(a, fn)		asm_emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT(a)			asm_emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* lock *(u64 *)(d + o) += s */
#define XADD64(a, d, s, o)	asm_emit(a, BPF_STX | BPF_DW | BPF_ATOMIC, d, s, o, BPF_ADD)
