/*
 * actor.c: the registered answer of actor.h and the stamp every probe
 * puts on its events.  It keeps no state of its own beyond the pointer.
 */
#include "actor.h"

static actor_fn *answer;
static actor_sync_fn *sync_fn;

void actor_provide(actor_fn *fn, actor_sync_fn *sync)
{
	answer = fn;
	sync_fn = sync;
}

void actor_catch_up(void)
{
	if (sync_fn)
		sync_fn();
}

int actor_lookup_span(uint32_t pid, uint64_t from_ns, uint64_t at_ns,
		      struct actor *a)
{
	if (!answer || pid == 0)
		return -1;
	return answer(pid, from_ns, at_ns, a);
}

int actor_lookup(uint32_t pid, uint64_t at_ns, struct actor *a)
{
	return actor_lookup_span(pid, at_ns, at_ns, a);
}

void actor_stamp(struct event *ev)
{
	struct actor a;

	if (ev->has & EVK_BIT(EVK_START_NS))
		return;
	if (actor_lookup((uint32_t)ev->pid, ev->mono_ns, &a) == 0)
		event_set_uint(ev, EVK_START_NS, a.start_ns);
}
