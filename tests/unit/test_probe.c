/*
 * test_probe.c: the probe registry (src/agent/probe.c): enabled probes
 * that are not in this build fail as `failed:not-built` and never claim
 * `armed`; on_failure decides between a start-up error and degrade.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "agent/probe.h"

static struct config C;
static struct loop L;

/* A probe whose code this build lacks, or -1 once every probe is built. */
static int unbuilt(void)
{
	int i;

	for (i = 0; i < CFG_NPROBES; i++)
		if (!probe_get(i)->ops)
			return i;
	return -1;
}

/* Enable only probe i. */
static void only(int i)
{
	config_defaults(&C);
	memset(C.probe_on, 0, sizeof(C.probe_on));
	C.probe_on[i] = CFG_ON;
	memset(&L, 0, sizeof(L));
}

static void states(void **state)
{
	char why[128], v[WIRE_MAPVAL_MAX];
	int i, u = unbuilt();

	(void)state;
	if (u < 0)
		skip();
	only(u);
	assert_int_equal(probe_arm_all(&C, &L, why, sizeof(why)), 0);
	assert_int_equal(probe_count(), CFG_NPROBES);
	for (i = 0; i < CFG_NPROBES; i++)
		assert_string_equal(probe_get(i)->name, cfg_probe_names[i]);
	probe_state_str(probe_get(u), v, sizeof(v));
	assert_string_equal(v, "failed:not-built");
	for (i = 0; i < CFG_NPROBES; i++) {
		if (i == u)
			continue;
		probe_state_str(probe_get(i), v, sizeof(v));
		assert_string_equal(v, "off");
	}
	for (i = 0; i < probe_count(); i++)
		assert_int_not_equal(probe_get(i)->state, PROBE_ARMED);
	assert_int_equal(L.ntimers, probe_count());	/* one deadline each */
	for (i = 0; i < LOSS_N; i++)
		assert_int_equal(probe_dropped(i), 0);
}

static void fail_cell(void **state)
{
	char why[128] = "", want[128];
	int u = unbuilt();

	(void)state;
	if (u < 0)
		skip();
	only(u);
	C.on_failure = CFG_FAIL_CELL;
	assert_int_equal(probe_arm_all(&C, &L, why, sizeof(why)), -1);
	snprintf(want, sizeof(want), "probe %s: failed: not-built",
		 cfg_probe_names[u]);
	assert_string_equal(why, want);
	/* nothing enabled: nothing can fail */
	memset(C.probe_on, 0, sizeof(C.probe_on));
	memset(&L, 0, sizeof(L));
	assert_int_equal(probe_arm_all(&C, &L, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(states),
		cmocka_unit_test(fail_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
