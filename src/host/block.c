/*
 * block.c: the process blocks of block.h.  Each text is written only
 * when it leaves ROOM bytes for the rest of the line (the blocks that
 * follow, the line's end and its signature).
 */
#include <stdio.h>
#include <string.h>
#include "block.h"
#include "ce.h"

#define ROOM 1024

size_t block_exec_id(char *out, const struct block_ctx *x, uint32_t pid,
		     uint64_t start_ns)
{
	int n;

	if (!start_ns)
		return (size_t)snprintf(out, BLOCK_ID_MAX, "unknown");
	n = snprintf(out, BLOCK_ID_MAX, "%s/%.*s/%u/%llu", x->cell,
		     x->boot_len ? (int)x->boot_len : 1,
		     x->boot_len ? x->boot : "-", pid,
		     (unsigned long long)start_ns);
	return n < BLOCK_ID_MAX ? (size_t)n : BLOCK_ID_MAX - 1;
}

/* exec_id, pid and start_ns (and start_time) of an instance. */
static void ident(struct json_buf *j, const struct block_ctx *x,
		  uint32_t pid, uint64_t start_ns)
{
	char id[BLOCK_ID_MAX], when[CE_TIME_LEN + 1];
	uint64_t at;
	int clamped;

	json_kv_str(j, "exec_id", id, block_exec_id(id, x, pid, start_ns));
	if (!pid)
		return;
	json_kv_uint(j, "pid", pid);
	if (!start_ns)
		return;
	json_kv_uint(j, "start_ns", start_ns);
	if (!x->clk->have)
		return;
	at = gclock_at(x->clk, start_ns, x->now_mono, &clamped);
	ce_time(when, x->now_real - (x->now_mono - at));
	json_kv_cstr(j, "start_time", when);
}

/* Text t of p as member `key`, when it is known and fits; 1 when it
 * was left out for room. */
static int text(struct json_buf *j, const struct block_ctx *x,
		const struct model_proc *p, int t, const char *key)
{
	char buf[HOST_MODEL_TEXT_MAX];
	size_t n = p->text[t] ? model_text(x->m, p, t, buf, sizeof(buf)) : 0;

	if (!p->text[t])
		return 0;
	if (json_room(j) < json_str_len(buf, n) + 2 * n + ROOM)
		return 1;		/* argv: a comma and quotes per argument */
	json_key(j, key);
	if (t == MT_ARGV)
		ce_argv(j, buf, n);
	else
		json_str(j, buf, n);
	return 0;
}

/* One block: a known instance p, or (p NULL) what the event names. */
static void block(struct json_buf *j, const struct block_ctx *x,
		  const struct model_proc *p, uint32_t pid, uint64_t start_ns)
{
	static const char *const keys[MT_COUNT] = { "exe", "argv", "cwd",
						    "interp" };
	int t, cut = 0;

	json_open(j, '{');
	if (!p) {
		ident(j, x, pid, start_ns);
		json_close(j, '}');
		return;
	}
	ident(j, x, p->pid, p->start_ns);
	for (t = 0; t < MT_COUNT; t++)
		cut |= text(j, x, p, t, keys[t]);
	if (p->flags & MP_UID)
		json_kv_uint(j, "uid", p->uid);
	if (cut || (p->flags & MP_CUT))
		json_kv_uint(j, "truncated", 1);
	json_close(j, '}');
}

/* Ancestors beyond parent p: known ones, then the last named one. */
static void ancestors(struct json_buf *j, const struct block_ctx *x,
		      const struct model_proc *p)
{
	const struct model_proc *a;
	unsigned k;

	json_key(j, "ancestors");
	json_open(j, '[');
	for (k = 0; p && p->ppid && k < x->ancestors &&
	     json_room(j) > 4 * ROOM; k++) {
		a = model_parent(x->m, p);
		json_elem(j);
		block(j, x, a, p->ppid, p->pstart_ns);
		p = a;
	}
	json_close(j, ']');
}

void block_write(struct json_buf *j, const struct block_ctx *x,
		 const struct model_view *v)
{
	if (!v->about)
		return;
	json_key(j, "process");
	block(j, x, v->proc, v->pid, v->start_ns);
	if (!v->ppid)
		return;
	json_key(j, "parent");
	block(j, x, v->parent, v->ppid, v->pstart_ns);
	if (x->ancestors)
		ancestors(j, x, v->parent);
}
