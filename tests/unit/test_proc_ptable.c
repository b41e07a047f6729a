/*
 * test_proc_ptable.c: the fixed pid table (src/agent/proc/proc_ptable.c)
 * against a plain array model under random puts, deletes and sweeps; and
 * that its entries stay dense, so storage past the most ever live at once
 * is never written (the pages the agent never makes resident).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "agent/proc/proc_ptable.h"

#define CAP 256
#define PIDS 2000

static struct ptable_ent slots[CAP];
static uint8_t model[PIDS];	/* 1: pid in the table */
static uint32_t modelgen[PIDS];
static size_t swept;

static void on_sweep(void *ctx, const struct ptable_ent *e)
{
	(void)ctx;
	assert_true(model[e->pid]);
	model[e->pid] = 0;
	swept++;
}

static void on_sweep_any(void *ctx, const struct ptable_ent *e)
{
	(void)ctx;
	assert_true(e->pid != 0);
}

static void check_all(struct ptable *t)
{
	size_t n = 0;
	uint32_t p;

	for (p = 1; p < PIDS; p++) {
		struct ptable_ent *e = ptable_get(t, p);

		assert_int_equal(e != NULL, model[p]);
		if (e) {
			assert_int_equal(e->ppid, p + 1);
			n++;
		}
	}
	assert_int_equal(n, t->used);
}

static void random_model(void **state)
{
	struct ptable t;
	struct ptable_ent *e;
	uint32_t p, gen = 1;
	int i, added, inmodel = 0;

	(void)state;
	ptable_init(&t, slots, CAP);
	srand(7);
	for (i = 0; i < 200000; i++) {
		p = 1 + (uint32_t)rand() % (PIDS - 1);
		if (rand() % 3) {
			e = ptable_put(&t, p, &added);
			if (!e) {
				assert_int_equal(t.used, CAP / 4 * 3);
				continue;
			}
			assert_int_equal(added, !model[p]);
			e->ppid = p + 1;
			e->gen = gen;
			model[p] = 1;
			modelgen[p] = gen;
		} else {
			ptable_del(&t, p);
			model[p] = 0;
		}
		if (i % 5000 == 4999) {
			/* everything not touched in this round goes */
			for (p = 1; p < PIDS; p++)
				if (model[p] && modelgen[p] != gen)
					inmodel++;
			swept = 0;
			assert_int_equal(ptable_sweep(&t, gen, on_sweep, NULL),
					 (size_t)inmodel);
			assert_int_equal(swept, (size_t)inmodel);
			inmodel = 0;
			gen++;
		}
		if (i % 997 == 0)
			check_all(&t);
	}
	check_all(&t);
	assert_null(ptable_put(&t, 0, &added));
}

/* Many pids come and go, at most LIVE at once: the live ones are always
 * ent[0..used), and no byte past ent[LIVE) is ever written. */
static void dense(void **state)
{
	enum { LIVE = 40 };
	static struct ptable t;
	uint32_t live[LIVE] = { 0 }, p;
	const uint8_t *b;
	size_t k, n;
	int i, added;

	(void)state;
	memset(slots, 0xa5, sizeof(slots));
	ptable_init(&t, slots, CAP);
	srand(11);
	for (i = 0; i < 20000; i++) {
		k = (size_t)rand() % LIVE;
		if (live[k])
			ptable_del(&t, live[k]);
		if (i % 7 == 0) {	/* now and then one with no successor */
			live[k] = 0;
			continue;
		}
		do
			p = 1 + (uint32_t)rand() % 100000;
		while (ptable_get(&t, p));
		assert_non_null(ptable_put(&t, p, &added));
		assert_true(added);
		live[k] = p;
	}
	for (k = 0, n = 0; k < LIVE; k++)
		if (live[k]) {
			assert_non_null(ptable_get(&t, live[k]));
			n++;
		}
	assert_int_equal(t.used, n);
	for (k = 0; k < t.used; k++)
		assert_non_null(ptable_get(&t, slots[k].pid));
	for (b = (const uint8_t *)&slots[LIVE]; b < (const uint8_t *)&slots[CAP];
	     b++)
		assert_int_equal(*b, 0xa5);
	assert_int_equal(ptable_sweep(&t, 12345, on_sweep_any, NULL), n);
	assert_int_equal(t.used, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_model),
		cmocka_unit_test(dense),
	};
	return cmocka_run_group_tests_name("proc_ptable", tests, NULL, NULL);
}
