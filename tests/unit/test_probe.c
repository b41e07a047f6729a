/*
 * test_probe.c: the probe registry (src/agent/probe.c): the four probes
 * in hello order with their --probe words, a deadline each, nothing
 * armed or lost when all are off.  Arming, failing and degrading real
 * probes is tested with the agent in tests/integ (test_agent_startup.py,
 * test_proc.py, ...).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "agent/probe.h"

static struct config C;
static struct loop L;

static int never(struct event *ev)
{
	(void)ev;
	fail_msg("an event from a probe that is off");
	return -1;
}

static void all_off(void **state)
{
	static const char *const names[] = { "process", "fs", "net",
					     "capability" };
	char why[128], v[WIRE_MAPVAL_MAX];
	int i;

	(void)state;
	config_defaults(&C);
	memset(C.probe_mode, 0, sizeof(C.probe_mode));
	memset(&L, 0, sizeof(L));
	assert_int_equal(probe_arm_all(&C, &L, never, why, sizeof(why)), 0);
	assert_int_equal(probe_count(), 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(probe_get(i)->ops->name, names[i]);
		assert_int_equal(probe_find(names[i], strlen(names[i])), i);
		assert_string_equal(probe_get(i)->ops->modes[0], "off");
		assert_string_equal(probe_get(i)->ops->modes[1], "on");
		probe_state_str(probe_get(i), v, sizeof(v));
		assert_string_equal(v, "off");
	}
	assert_int_equal(probe_find("proc", 4), -1);
	assert_int_equal(L.ntimers, probe_count());	/* one deadline each */
	probe_refresh_all();
	for (i = 0; i < LOSS_N; i++)
		assert_int_equal(probe_dropped(i), 0);
}

static void loss_names_unique(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < LOSS_N; i++) {
		assert_non_null(loss_names[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(loss_names[i], loss_names[j]);
	}
	assert_string_equal(loss_names[LOSS_RING_OVERWRITE], "ring_overwrite");
	assert_string_equal(loss_names[LOSS_AUDIT_LOST], "audit_lost");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_off),
		cmocka_unit_test(loss_names_unique),
	};
	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
