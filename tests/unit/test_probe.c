/*
 * test_probe.c: the probe registry (src/agent/probe.c): the four probes
 * in hello order, a deadline each, nothing armed or lost when all are
 * off.  Arming, failing and degrading real probes is tested with the
 * agent in tests/integ (test_agent_startup.py, test_proc.py, ...).
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

static void all_off(void **state)
{
	char why[128], v[WIRE_MAPVAL_MAX];
	int i;

	(void)state;
	config_defaults(&C);
	memset(C.probe_on, 0, sizeof(C.probe_on));
	memset(&L, 0, sizeof(L));
	assert_int_equal(probe_arm_all(&C, &L, why, sizeof(why)), 0);
	assert_int_equal(probe_count(), CFG_NPROBES);
	for (i = 0; i < CFG_NPROBES; i++) {
		assert_string_equal(probe_get(i)->name, cfg_probe_names[i]);
		assert_non_null(probe_get(i)->ops);
		probe_state_str(probe_get(i), v, sizeof(v));
		assert_string_equal(v, "off");
	}
	assert_int_equal(L.ntimers, probe_count());	/* one deadline each */
	probe_refresh_all();
	for (i = 0; i < LOSS_N; i++)
		assert_int_equal(probe_dropped(i), 0);
}

static void loss_names_unique(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LOSS_N; i++)
		assert_int_equal(loss_byname(loss_names[i]), i);
	assert_int_equal(loss_byname("no_such_reason"), -1);
	assert_int_equal(loss_byname("ring_overwrite"), LOSS_RING_OVERWRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_off),
		cmocka_unit_test(loss_names_unique),
	};
	return cmocka_run_group_tests_name("probe", tests, NULL, NULL);
}
