/*
 * test_loop.c: the loop's coalesced fds (src/lib/loop.c) on real pipes:
 * a lone item is read as soon as it is written; under a burst the fd no
 * longer wakes the loop and is drained on the timer, not before; two fds
 * coalescing together are drained in the same pass; taking a coalesced
 * fd out of the loop drains what its window held back.  No timing is
 * asserted but the order the mechanism guarantees (a drain never comes
 * before the window's deadline, less its allowed quarter).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/clock.h"
#include "lib/loop.h"

#define WINDOW_NS (20 * NS_PER_MS)
#define BURST COALESCE_ENTER	/* bytes that make a burst in one read */

struct pipe_fd {
	int rd, wr;
	struct loop_cfd c;
	uint64_t got;			/* bytes read */
	int drains;
	uint64_t drain_ns[64];		/* when each drain ran */
	uint64_t drain_pass[64];	/* in which loop pass */
};

static struct loop L;
static struct pipe_fd P1, P2;
static uint64_t passes;
static struct loop_timer stopper, writer;

static void nosig(void *ctx, int signo)
{
	(void)ctx, (void)signo;
}

static void count_pass(void *ctx)
{
	(void)ctx;
	passes++;
}

/* Read what the pipe holds, at most 128 bytes a call (so more is said
 * past that). */
static struct coalesce_drain drain(void *ctx)
{
	struct pipe_fd *p = ctx;
	struct coalesce_drain d = { 0, 0, 0 };
	char buf[128];
	ssize_t n = read(p->rd, buf, sizeof(buf));

	if (n > 0)
		d.items = (uint32_t)n;
	d.more = n == (ssize_t)sizeof(buf);
	p->got += n > 0 ? (uint64_t)n : 0;
	if (p->drains < 64) {
		p->drain_ns[p->drains] = clock_mono_ns();
		p->drain_pass[p->drains] = passes;
	}
	p->drains++;
	return d;
}

static void open_pipe(struct pipe_fd *p)
{
	int fds[2];

	memset(p, 0, sizeof(*p));
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	p->rd = fds[0], p->wr = fds[1];
	p->c.fd = p->rd;
	p->c.drain = drain;
	p->c.ctx = p;
	p->c.cfg.max_ns = WINDOW_NS;
	p->c.cfg.capacity = 65536;
	assert_int_equal(loop_add_coalesced(&L, &p->c), 0);
}

static void put(struct pipe_fd *p, size_t n)
{
	char buf[512] = { 0 };

	assert_int_equal(write(p->wr, buf, n), (ssize_t)n);
}

static void on_stop(void *ctx, uint64_t now)
{
	(void)ctx, (void)now;
	loop_stop(&L);
}

/* Run the loop until `ns` from now. */
static void run_for(uint64_t ns)
{
	stopper.at = clock_mono_ns() + ns;
	assert_int_equal(loop_run(&L), 0);
}

static int setup(void **state)
{
	sigset_t none;

	(void)state;
	sigemptyset(&none);
	passes = 0;
	assert_int_equal(loop_init(&L, &none, nosig, count_pass, NULL), 0);
	stopper = (struct loop_timer){ 0, on_stop, NULL };
	assert_int_equal(loop_timer_add(&L, &stopper), 0);
	assert_int_equal(loop_timer_add(&L, &writer), 0);
	open_pipe(&P1);
	open_pipe(&P2);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	loop_del_coalesced(&P1.c);
	loop_del_coalesced(&P2.c);
	close(P1.rd), close(P1.wr), close(P2.rd), close(P2.wr);
	loop_close(&L);
	return 0;
}

/* A lone byte: read in the pass that saw it, never on a timer. */
static void lone_item_read_at_once(void **state)
{
	(void)state;
	put(&P1, 1);
	run_for(3 * WINDOW_NS);
	assert_int_equal(P1.got, 1);
	assert_int_equal(P1.drains, 1);
	assert_false(P1.c.co.on);
	assert_int_equal(P1.c.timer.at, 0);
}

/* Bytes written during a coalesced window wait for its deadline. */
static uint64_t burst_deadline;

static void write_during_window(void *ctx, uint64_t now)
{
	(void)now;
	put(ctx, 3);
}

static void burst_waits_for_the_timer(void **state)
{
	uint64_t t0 = clock_mono_ns();

	(void)state;
	put(&P1, BURST);		/* COALESCE_ENTER at once */
	writer = (struct loop_timer){ 0, write_during_window, &P1 };
	/* one pass reads them: a burst; EPOLLIN off, the timer set */
	run_for(WINDOW_NS / 4);
	assert_true(P1.c.co.on);
	assert_int_equal(P1.got, BURST);
	burst_deadline = P1.c.timer.at;
	assert_true(burst_deadline >= t0 + WINDOW_NS);
	/* 3 more in the window: not read before its deadline, less the
	 * quarter a coalesced drain may run early */
	writer.at = clock_mono_ns();
	run_for(3 * WINDOW_NS);
	assert_int_equal(P1.got, BURST + 3);
	assert_true(P1.drains >= 2);
	assert_true(P1.drain_ns[1] >= burst_deadline - WINDOW_NS / 4);
	/* the window after brought nothing: quiet again */
	assert_false(P1.c.co.on);
}

/* Two fds whose bursts began 2.5 ms apart: their timer drains share a
 * pass (the later one runs up to a quarter window early). */
static void two_fds_drain_in_one_pass(void **state)
{
	uint64_t gap;

	(void)state;
	put(&P1, BURST);
	run_for(WINDOW_NS / 8);
	assert_true(P1.c.co.on);
	put(&P1, 2);			/* held: P1 no longer wakes the loop */
	put(&P2, BURST);
	run_for(WINDOW_NS / 8);
	assert_true(P2.c.co.on);
	assert_int_equal(P1.drains, 1);
	gap = P2.c.timer.at - P1.c.timer.at;
	assert_true(gap > 0);
	put(&P2, 2);
	run_for(3 * WINDOW_NS / 2);
	assert_true(P1.drains >= 2 && P2.drains >= 2);
	assert_int_equal(P1.got, BURST + 2);
	assert_int_equal(P2.got, BURST + 2);
	if (gap >= WINDOW_NS / 4)
		skip();		/* a stalled machine spaced them too far */
	assert_int_equal(P1.drain_pass[1], P2.drain_pass[1]);
}

/* Taking the fd out mid-window drains what it held, all of it. */
static void del_drains_what_was_held(void **state)
{
	(void)state;
	put(&P1, BURST);
	run_for(WINDOW_NS / 4);
	assert_true(P1.c.co.on);
	put(&P1, 500);			/* more than one drain's 128 */
	loop_del_coalesced(&P1.c);
	assert_int_equal(P1.got, BURST + 500);
	assert_int_equal(P1.c.timer.at, 0);
	assert_int_equal(loop_add_coalesced(&L, &P1.c), 0);	/* for teardown */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lone_item_read_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(burst_waits_for_the_timer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(two_fds_drain_in_one_pass, setup,
						teardown),
		cmocka_unit_test_setup_teardown(del_drains_what_was_held, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
