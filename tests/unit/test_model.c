/*
 * test_model.c: the host's process model (src/host/model.c, pstr.c): a
 * known tree is joined by instance; a fork copies its parent's image and
 * shares its strings; exec renames, exit ends; the inventory's children
 * find parents that come after them; a pid seen twice is two instances,
 * never mixed, and an event after an exit is unknown; eviction takes
 * exited instances first, every one counted; texts are cut and bounded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "host/model.h"

#define MS NS_PER_MS

static struct event ev;

static void spawn(struct model *m, uint32_t pid, uint32_t ppid, uint64_t t,
		  int synthetic, struct model_view *v)
{
	event_init(&ev, PS_PROCESS_SPAWNED, pid, t);
	event_set_uint(&ev, EVK_PPID, ppid);
	event_set_uint(&ev, EVK_START_NS, t);
	if (synthetic)
		event_set_uint(&ev, EVK_SYNTHETIC, 1);
	model_event(m, &ev, v);
}

static void exec(struct model *m, uint32_t pid, uint64_t t, const char *exe,
		 const char *argv, size_t argvlen, struct model_view *v)
{
	event_init(&ev, PS_PROCESS_EXEC, pid, t);
	event_set_text(&ev, EVK_EXE, exe, strlen(exe));
	event_set_text(&ev, EVK_ARGV, argv, argvlen);
	event_set_uint(&ev, EVK_UID, 1000);
	model_event(m, &ev, v);
}

static void quit(struct model *m, uint32_t pid, uint64_t t, int sig,
		 struct model_view *v)
{
	event_init(&ev, PS_PROCESS_EXITED, pid, t);
	event_set_uint(&ev, sig ? EVK_EXIT_SIGNAL : EVK_EXIT_CODE, sig ? 15 : 0);
	model_event(m, &ev, v);
}

static void connect(struct model *m, uint32_t pid, uint64_t t,
		    struct model_view *v)
{
	event_init(&ev, PS_NET_CONNECT_ATTEMPTED, pid, t);
	model_event(m, &ev, v);
}

static void text_is(const struct model *m, const struct model_proc *p,
		    int t, const char *want, size_t n)
{
	char buf[HOST_MODEL_TEXT_MAX];

	assert_non_null(p);
	assert_int_equal(model_text(m, p, t, buf, sizeof(buf)), n);
	assert_memory_equal(buf, want, n);
}

static void tree_joins(void **state)
{
	struct model m;
	struct model_view v;
	const struct model_proc *sh, *child, *ls;

	(void)state;
	assert_int_equal(model_init(&m, 16), 0);
	spawn(&m, 100, 1, 1000 * MS, 0, &v);
	sh = v.proc;
	exec(&m, 100, 1001 * MS, "/bin/sh", "sh\0-c\0ls | wc", 13, &v);
	assert_ptr_equal(v.proc, sh);
	spawn(&m, 101, 100, 1002 * MS, 0, &v);		/* the fork */
	child = v.proc;
	assert_ptr_equal(v.parent, sh);
	assert_int_equal(v.pstart_ns, 1000 * MS);
	text_is(&m, child, MT_EXE, "/bin/sh", 7);	/* copied at fork */
	assert_int_equal(pstr_refs(&m.str, child->text[MT_EXE]), 2);
	assert_int_equal(child->uid, 1000);
	exec(&m, 101, 1003 * MS, "/bin/ls", "ls", 2, &v);
	ls = v.proc;
	assert_ptr_equal(ls, child);
	text_is(&m, ls, MT_EXE, "/bin/ls", 7);
	text_is(&m, sh, MT_EXE, "/bin/sh", 7);		/* the parent's stays */
	assert_int_equal(pstr_refs(&m.str, sh->text[MT_EXE]), 1);
	connect(&m, 101, 1004 * MS, &v);
	assert_ptr_equal(v.proc, ls);
	assert_ptr_equal(v.parent, sh);
	quit(&m, 101, 1010 * MS, 15, &v);
	assert_ptr_equal(v.proc, ls);
	assert_true(v.has_duration);
	assert_int_equal(v.duration_ns, 8 * MS);
	assert_true(ls->flags & MP_SIGNALED);
	assert_int_equal(ls->status, 15);
	connect(&m, 101, 1040 * MS, &v);		/* past its exit and the slack */
	assert_null(v.proc);
	assert_int_equal(m.st.unknown, 1);
	assert_int_equal(m.st.unknown_parent, 2);	/* sh's two: pid 1 unseen */
	assert_int_equal(m.st.made, 2);
	model_free(&m);
}

static void inventory_any_order(void **state)
{
	struct model m;
	struct model_view v;
	const struct model_proc *kid;

	(void)state;
	assert_int_equal(model_init(&m, 16), 0);
	spawn(&m, 300, 200, 50 * MS, 1, &v);		/* child listed first */
	kid = v.proc;
	assert_null(v.parent);
	assert_int_equal(kid->text[MT_EXE], 0);		/* unknown, not guessed */
	spawn(&m, 200, 1, 40 * MS, 1, &v);
	connect(&m, 300, 5000 * MS, &v);
	assert_ptr_equal(v.proc, kid);
	assert_non_null(v.parent);
	assert_int_equal(v.parent->pid, 200);
	assert_int_equal(kid->pstart_ns, 40 * MS);	/* remembered */
	/* the same inventory again (a restarted agent), start 7 ms off */
	spawn(&m, 300, 200, 57 * MS, 1, &v);
	assert_ptr_equal(v.proc, kid);
	assert_int_equal(m.st.made, 2);
	model_free(&m);
}

static void pid_reuse(void **state)
{
	struct model m;
	struct model_view v;
	const struct model_proc *a, *b, *c;

	(void)state;
	assert_int_equal(model_init(&m, 16), 0);
	spawn(&m, 10, 1, 1 * MS, 0, &v);
	spawn(&m, 11, 1, 2 * MS, 0, &v);
	spawn(&m, 500, 10, 100 * MS, 0, &v);
	a = v.proc;
	exec(&m, 500, 101 * MS, "/bin/a", "a", 1, &v);
	quit(&m, 500, 200 * MS, 0, &v);
	spawn(&m, 500, 11, 300 * MS, 0, &v);		/* pid 500 again */
	b = v.proc;
	assert_ptr_not_equal(a, b);
	assert_int_equal(v.parent->pid, 11);
	exec(&m, 500, 301 * MS, "/bin/b", "b", 1, &v);
	connect(&m, 500, 250 * MS, &v);			/* between the two */
	assert_null(v.proc);
	connect(&m, 500, 150 * MS, &v);			/* the first one's */
	assert_ptr_equal(v.proc, a);
	assert_int_equal(v.parent->pid, 10);
	text_is(&m, v.proc, MT_EXE, "/bin/a", 6);
	connect(&m, 500, 400 * MS, &v);
	assert_ptr_equal(v.proc, b);
	text_is(&m, v.proc, MT_EXE, "/bin/b", 6);
	/* spawned again while b lives: b's exit was lost */
	spawn(&m, 500, 10, 500 * MS, 0, &v);
	c = v.proc;
	assert_ptr_not_equal(c, b);
	assert_true(b->flags & MP_REPLACED);
	assert_int_equal(m.st.replaced, 1);
	connect(&m, 500, 600 * MS, &v);
	assert_ptr_equal(v.proc, c);
	assert_int_equal(c->text[MT_EXE], 0);		/* pid 10 had none */
	model_free(&m);
}

static void eviction_exited_first(void **state)
{
	struct model m;
	struct model_view v;
	uint32_t pid;

	(void)state;
	assert_int_equal(model_init(&m, 4), 0);
	spawn(&m, 1, 0, 1 * MS, 0, &v);
	for (pid = 2; pid <= 4; pid++)
		spawn(&m, pid, 1, pid * MS, 0, &v);
	quit(&m, 3, 10 * MS, 0, &v);
	spawn(&m, 5, 1, 11 * MS, 0, &v);		/* full: 3 goes */
	assert_int_equal(m.st.evicted_exited, 1);
	assert_int_equal(m.st.evicted_live, 0);
	connect(&m, 3, 9 * MS, &v);
	assert_null(v.proc);
	connect(&m, 2, 12 * MS, &v);			/* 2 active again */
	spawn(&m, 6, 1, 13 * MS, 0, &v);		/* none exited: 1 goes */
	assert_int_equal(m.st.evicted_live, 1);
	connect(&m, 2, 14 * MS, &v);
	assert_non_null(v.proc);
	assert_null(v.parent);				/* pid 1 was evicted */
	assert_int_equal(m.st.used, 4);
	assert_int_equal(m.st.peak, 4);
	model_reset(&m);
	assert_int_equal(m.st.used, 0);
	assert_int_equal(m.str.nfree, m.str.n);
	model_free(&m);
}

static void texts_bounded(void **state)
{
	static char big[3000];
	struct model m;
	struct model_view v;
	unsigned i;

	(void)state;
	assert_int_equal(model_init(&m, 4), 0);		/* 8 chunks: 236 bytes */
	memset(big, 'x', sizeof(big));
	for (i = 0; i < sizeof(big); i += 100)
		big[i] = 0;
	spawn(&m, 1, 0, 1 * MS, 0, &v);
	exec(&m, 1, 2 * MS, "/bin/x", big, sizeof(big), &v);
	assert_true(v.proc->flags & MP_CUT);
	assert_int_equal(v.proc->text[MT_ARGV], 0);	/* no room: unknown */
	assert_int_equal(m.st.text_full, 1);
	text_is(&m, v.proc, MT_EXE, "/bin/x", 6);
	model_free(&m);
	assert_int_equal(model_init(&m, 64), 0);
	spawn(&m, 1, 0, 1 * MS, 0, &v);
	exec(&m, 1, 2 * MS, "/bin/x", big, sizeof(big), &v);
	text_is(&m, v.proc, MT_ARGV, big, 1000);	/* cut at an argument */
	model_free(&m);
}

static void no_process(void **state)
{
	struct model m;
	struct model_view v;

	(void)state;
	assert_int_equal(model_init(&m, 4), 0);
	event_init(&ev, PS_FS_INOTIFY_FIRED, 77, 5);	/* the agent's pid */
	model_event(&m, &ev, &v);
	assert_true(v.about);
	assert_int_equal(v.pid, 0);
	event_init(&ev, PS_AGENT_HEARTBEAT, 77, 5);
	model_event(&m, &ev, &v);
	assert_false(v.about);
	event_init(&ev, PS_PROCESS_EXITED, 9, 50);	/* never seen */
	event_set_uint(&ev, EVK_START_NS, 20);
	event_set_uint(&ev, EVK_PPID, 3);
	model_event(&m, &ev, &v);
	assert_null(v.proc);
	assert_int_equal(v.start_ns, 20);		/* exec_id from it */
	assert_int_equal(v.duration_ns, 30);
	assert_int_equal(v.ppid, 3);
	assert_int_equal(m.st.unknown, 2);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_joins),
		cmocka_unit_test(inventory_any_order),
		cmocka_unit_test(pid_reuse),
		cmocka_unit_test(eviction_exited_first),
		cmocka_unit_test(texts_bounded),
		cmocka_unit_test(no_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
