/*
 * keepalive.c: the silence list of keepalive.h.
 */
#include <stddef.h>
#include "keepalive.h"

void ka_init(struct ka_list *l, uint64_t window_ns)
{
	l->head.prev = l->head.next = &l->head;
	l->window = window_ns;
}

void ka_remove(struct ka_node *n)
{
	if (!n->next)
		return;
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = NULL;
}

void ka_touch(struct ka_list *l, struct ka_node *n, uint64_t now)
{
	ka_remove(n);
	n->last = now;
	n->prev = l->head.prev;
	n->next = &l->head;
	l->head.prev->next = n;
	l->head.prev = n;
}

uint64_t ka_deadline(const struct ka_list *l)
{
	if (l->head.next == &l->head)
		return 0;
	return l->head.next->last + l->window;
}

struct ka_node *ka_expired(struct ka_list *l, uint64_t now)
{
	struct ka_node *n = l->head.next;

	if (n == &l->head || n->last + l->window > now)
		return NULL;
	ka_remove(n);
	return n;
}

void ka_shift(struct ka_list *l, uint64_t d)
{
	struct ka_node *n;

	for (n = l->head.next; n != &l->head; n = n->next)
		n->last += d;
}
