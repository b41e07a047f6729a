/*
 * net_bpfasm.c: the net probe's BPF assembler (net_bpfasm.h): emit
 * instructions, record forward jumps, patch them to their labels.
 *
 * It checks only what it can know (room, label numbers, the 16-bit jump
 * offset); whether a program is valid is the verifier's to say.
 */
#include <string.h>
#include "net_bpfasm.h"

void asm_init(struct asm_buf *a, struct bpf_insn *p, size_t cap)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->p = p;
	a->cap = cap;
	for (i = 0; i < ASM_LABELS; i++)
		a->label_at[i] = -1;
	a->nlabels = 1;
}

int asm_newlabel(struct asm_buf *a)
{
	if (a->nlabels >= ASM_LABELS) {
		a->err = 1;
		return ASM_EXIT;
	}
	return a->nlabels++;
}

void asm_emit(struct asm_buf *a, int code, int dst, int src, int off, int imm)
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

/* Note a jump at the next instruction, to be patched to label. */
static void add_jump(struct asm_buf *a, int label)
{
	if (a->njumps >= ASM_MAXJ || label < 0 || label >= ASM_LABELS) {
		a->err = 1;
		return;
	}
	a->jumps[a->njumps].at = a->n;
	a->jumps[a->njumps++].label = label;
}

void asm_jmp(struct asm_buf *a, int op, int reg, int k, int label)
{
	add_jump(a, label);
	asm_emit(a, BPF_JMP | op | BPF_K, reg, 0, 0, k);
}

void asm_jmp_reg(struct asm_buf *a, int op, int dst, int src, int label)
{
	add_jump(a, label);
	asm_emit(a, BPF_JMP | op | BPF_X, dst, src, 0, 0);
}

void asm_goto(struct asm_buf *a, int label)
{
	add_jump(a, label);
	asm_emit(a, BPF_JMP | BPF_JA, 0, 0, 0, 0);
}

void asm_label(struct asm_buf *a, int label)
{
	if (label < 0 || label >= ASM_LABELS || a->label_at[label] >= 0) {
		a->err = 1;
		return;
	}
	a->label_at[label] = (long)a->n;
}

void asm_ld_map(struct asm_buf *a, int reg, int fd)
{
	asm_emit(a, BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0, fd);
	asm_emit(a, 0, 0, 0, 0, 0);
}

void asm_stack_ptr(struct asm_buf *a, int reg, int off)
{
	MOV_REG(a, reg, BPF_REG_10);
	ADD_IMM(a, reg, off);
}

int asm_end(struct asm_buf *a)
{
	size_t i;
	long to, off;

	for (i = 0; i < a->njumps && !a->err; i++) {
		to = a->label_at[a->jumps[i].label];
		off = to - (long)a->jumps[i].at - 1;
		if (to < 0 || off < -32768 || off > 32767)
			a->err = 1;
		else
			a->p[a->jumps[i].at].off = (int16_t)off;
	}
	return a->err ? -1 : (int)a->n;
}
