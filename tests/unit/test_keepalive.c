/*
 * test_keepalive.c: the silence list (src/host/keepalive.c): the head has
 * the earliest deadline, a touch moves a node to the tail, an expired node
 * leaves the list (reported once), removal is idempotent, a shift moves
 * every deadline and keeps the order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "host/keepalive.h"

static void order_and_expiry(void **state)
{
	struct ka_list l;
	struct ka_node a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	ka_init(&l, 100);
	assert_int_equal(ka_deadline(&l), 0);
	ka_touch(&l, &a, 10);
	ka_touch(&l, &b, 20);
	ka_touch(&l, &c, 30);
	assert_int_equal(ka_deadline(&l), 110);
	ka_touch(&l, &a, 40);			/* a frame on a */
	assert_int_equal(ka_deadline(&l), 120);
	assert_null(ka_expired(&l, 119));
	assert_ptr_equal(ka_expired(&l, 125), &b);
	assert_null(ka_expired(&l, 125));	/* b is out: once only */
	ka_remove(&b);				/* harmless twice */
	ka_remove(&c);
	assert_int_equal(ka_deadline(&l), 140);
	assert_ptr_equal(ka_expired(&l, 1000), &a);
	assert_null(ka_expired(&l, 1000));
	assert_int_equal(ka_deadline(&l), 0);
}

static void shift(void **state)
{
	struct ka_list l;
	struct ka_node a = { 0 }, b = { 0 };

	(void)state;
	ka_init(&l, 100);
	ka_shift(&l, 50);			/* empty: nothing to move */
	assert_int_equal(ka_deadline(&l), 0);
	ka_touch(&l, &a, 10);
	ka_touch(&l, &b, 20);
	ka_shift(&l, 500);			/* the receiver waited 500 */
	assert_int_equal(ka_deadline(&l), 610);
	assert_null(ka_expired(&l, 609));
	assert_ptr_equal(ka_expired(&l, 610), &a);
	assert_int_equal(ka_deadline(&l), 620);
	assert_ptr_equal(ka_expired(&l, 620), &b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_and_expiry),
		cmocka_unit_test(shift),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
