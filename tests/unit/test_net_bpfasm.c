/*
 * test_net_bpfasm.c: the net probe's BPF assembler
 * (src/agent/net/net_bpfasm.c): forward jumps land on their labels, and
 * every misuse (a full buffer, a label placed twice or never, too many
 * labels or jumps) makes asm_end fail instead of emitting a program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "agent/net/net_bpfasm.h"

static struct bpf_insn p[64];

static void jumps_land(void **state)
{
	struct asm_buf a;
	int l1, l2;

	(void)state;
	asm_init(&a, p, 64);
	l1 = asm_newlabel(&a);
	l2 = asm_newlabel(&a);
	assert_true(l1 != ASM_EXIT && l2 != l1);
	asm_jmp(&a, BPF_JEQ, BPF_REG_1, 7, l1);		/* 0 */
	asm_jmp_reg(&a, BPF_JNE, BPF_REG_1, BPF_REG_2, l2);	/* 1 */
	asm_goto(&a, ASM_EXIT);				/* 2 */
	asm_label(&a, l1);
	MOV_IMM(&a, BPF_REG_0, 2);			/* 3 */
	asm_ld_map(&a, BPF_REG_1, 5);			/* 4, 5 */
	asm_label(&a, l2);
	asm_label(&a, ASM_EXIT);
	EXIT(&a);					/* 6 */
	assert_int_equal(asm_end(&a), 7);
	assert_int_equal(p[0].code, BPF_JMP | BPF_JEQ | BPF_K);
	assert_int_equal(p[0].imm, 7);
	assert_int_equal(p[0].off, 2);			/* to 3 */
	assert_int_equal(p[1].code, BPF_JMP | BPF_JNE | BPF_X);
	assert_int_equal(p[1].src_reg, BPF_REG_2);
	assert_int_equal(p[1].off, 4);			/* to 6 */
	assert_int_equal(p[2].off, 3);			/* to 6 */
	assert_int_equal(p[4].code, BPF_LD | BPF_DW | BPF_IMM);
	assert_int_equal(p[4].src_reg, BPF_PSEUDO_MAP_FD);
	assert_int_equal(p[4].imm, 5);
	assert_int_equal(p[5].code, 0);
}

static void misuse_fails(void **state)
{
	struct asm_buf a;
	int i, l;

	(void)state;
	asm_init(&a, p, 2);			/* full buffer */
	for (i = 0; i < 3; i++)
		MOV_IMM(&a, BPF_REG_0, i);
	assert_int_equal(asm_end(&a), -1);
	asm_init(&a, p, 64);			/* a label never placed */
	asm_goto(&a, asm_newlabel(&a));
	assert_int_equal(asm_end(&a), -1);
	asm_init(&a, p, 64);			/* a label placed twice */
	l = asm_newlabel(&a);
	asm_label(&a, l);
	asm_label(&a, l);
	assert_int_equal(asm_end(&a), -1);
	asm_init(&a, p, 64);			/* out of labels */
	for (i = 0; i < ASM_LABELS; i++)
		asm_newlabel(&a);
	assert_int_equal(asm_end(&a), -1);
	asm_init(&a, p, 64);			/* out of jumps */
	asm_label(&a, ASM_EXIT);
	for (i = 0; i <= ASM_MAXJ && !a.err; i++)
		asm_goto(&a, ASM_EXIT);
	assert_int_equal(asm_end(&a), -1);
	asm_init(&a, p, 64);			/* no such label */
	asm_goto(&a, ASM_LABELS);
	assert_int_equal(asm_end(&a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jumps_land),
		cmocka_unit_test(misuse_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
