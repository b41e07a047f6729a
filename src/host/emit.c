/*
 * emit.c: format each kind of line (see emit.h for the id scheme) into
 * the output.  Every line's data starts with the host stamp, then its
 * `severity` and `message` (message.h); host-made events then hold
 * `detected_by` ("host" or "agent") where it helps, then their own keys.
 * A guest event's line then has the guest's fields, what the host adds
 * to them (exit_signal_name, duration_ns, time_clamped) and, with the
 * model on, its process blocks (block.h).  With a policy on the cell,
 * each deny rule the event matched makes a policy_violation line after
 * the event's own (judge.h), the event's line unchanged.
 */
#include <stdio.h>
#include <string.h>
#include "block.h"
#include "ce.h"
#include "emit.h"
#include "judge.h"
#include "message.h"

#define ID_MAX (HOST_CELL_ID_MAX + WIRE_SHORT_MAX + 64)

/* A host-scheme id: CELL/hNONCE/N. */
static size_t host_id(struct host *h, struct hconn *c, char *id)
{
	return (size_t)snprintf(id, ID_MAX, "%s/h%s/%llu", c->cell->id,
				h->nonce, (unsigned long long)++c->cell->hseq);
}

/* The id of a guest frame (see emit.h). */
static size_t guest_id(struct host *h, struct hconn *c,
		       const struct event *ev, char *id)
{
	int n;

	if (!c->bound || c->boot_len == 0 || !(ev->has & EVK_BIT(EVK_SEQ)))
		return host_id(h, c, id);
	n = snprintf(id, ID_MAX, "%s/%.*s/%u/%llu", c->cell->id,
		     (int)c->boot_len, c->boot_id, c->agent_pid,
		     (unsigned long long)ev->seq);
	return n < ID_MAX ? (size_t)n : ID_MAX - 1;
}

/* Start a line of type `type` with id id[0..n), its time `when` (NULL:
 * the receipt), severity and message; -1 when the output gave up (the
 * receiver is stopping on a failed output: the line is lost). */
static int begin(struct host *h, struct hconn *c, struct json_buf *j,
		 const char *type, const char *id, size_t n, const char *when,
		 const char *sev, const char *msg, size_t msglen)
{
	struct ce_stamp st = { c->cell->id, h->run_id, h->now, when, h->extra,
			       h->extra_len };

	if (out_begin(&h->out, j) < 0)
		return -1;
	ce_begin(j, &st, type, id, n);
	json_kv_cstr(j, "severity", sev);
	json_kv_str(j, "message", msg, msglen);
	return 0;
}

static void end(struct host *h, struct hconn *c, struct json_buf *j)
{
	ce_end(j);
	if (out_commit(&h->out, j) == 0)
		c->cell->st.lines++;
}

/* The host time of guest stamp g on c's clock, as RFC 3339 in out. */
static int event_time(struct host *h, struct hconn *c, uint64_t g, char *out)
{
	int clamped;
	uint64_t at = gclock_at(&c->clk, g, h->now_mono, &clamped);

	ce_time(out, h->now_real - (h->now_mono - at));
	return clamped;
}

/* Names for the message: the exe the model knows, else the comm. */
static void who(struct model *m, const struct event *ev,
		const struct model_view *v, struct msg_who *w,
		char *exe, char *pexe)
{
	memset(w, 0, sizeof(*w));
	w->pid = v->about ? v->pid : (uint32_t)ev->pid;
	w->ppid = v->ppid ? v->ppid : ev->has & EVK_BIT(EVK_PPID) ?
		(uint32_t)ev->ppid : 0;
	w->name = ev->comm.s;
	w->name_len = ev->comm.len;
	w->has_duration = v->has_duration;
	w->duration_ns = v->duration_ns;
	if (v->proc && v->proc->text[MT_EXE]) {
		w->name = exe;
		w->name_len = model_text(m, v->proc, MT_EXE, exe,
					 HOST_MODEL_TEXT_MAX);
	}
	if (v->parent && v->parent->text[MT_EXE]) {
		w->pname = pexe;
		w->pname_len = model_text(m, v->parent, MT_EXE, pexe,
					  HOST_MODEL_TEXT_MAX);
	}
}

/* What the host adds to the guest's fields. */
static void additions(struct json_buf *j, const struct event *ev,
		      const struct model_view *v, int clamped)
{
	char sig[24];

	if (ev->has & EVK_BIT(EVK_EXIT_SIGNAL))
		json_kv_cstr(j, "exit_signal_name",
			     msg_signame((unsigned)ev->exit_signal, sig));
	if (v->has_duration)
		json_kv_uint(j, "duration_ns", v->duration_ns);
	if (clamped)
		json_kv_uint(j, "time_clamped", 1);
}

/* One verdict: a policy_violation line (timed as the event it judges),
 * counted, and its JSON to the hook. */
static void violation(struct host *h, struct hconn *c, const struct event *ev,
		      const struct block_ctx *x, const struct model_view *v,
		      const struct msg_who *w, const char *gid, size_t gn,
		      const char *when, const struct judge_verdict *vd)
{
	const struct policy *p = &c->cell->pol->src->cur;
	const struct pol_rule *r = &p->rules[vd->rule];
	char id[ID_MAX], msg[HOST_MESSAGE_MAX];
	struct json_buf j;
	size_t n = host_id(h, c, id);
	size_t mn = msg_violation(msg, sizeof(msg), w, pol_kind_name(vd->kind),
				  vd->value, vd->len, p->file, r->line);

	cellpol_count(c->cell->pol, vd->rule);
	if (begin(h, c, &j, "policy_violation", id, n, when,
		  pol_sev_name(r->sev), msg, mn) < 0)
		return;
	json_kv_cstr(&j, "detected_by", "host");
	json_key(&j, "rule");
	json_open(&j, '{');
	json_kv_cstr(&j, "file", p->file);
	json_kv_uint(&j, "line", r->line);
	json_kv_str(&j, "text", r->text, r->text_len);
	json_close(&j, '}');
	json_kv_cstr(&j, "kind", pol_kind_name(vd->kind));
	json_kv_str(&j, "value", vd->value, vd->len);
	json_kv_cstr(&j, "value_from", vd->from);
	json_kv_str(&j, "event_id", gid, gn);
	if (ev->has & EVK_BIT(EVK_SEQ))
		json_kv_uint(&j, "event_seq", ev->seq);
	json_kv_cstr(&j, "event_source", ps_name(ev->source));
	if (x->m)
		block_write(&j, x, v);
	ce_end(&j);
	if (h->hook && !j.err)
		hook_run(h->hook, j.p, j.len, h->now_mono);
	if (out_commit(&h->out, &j) == 0)
		c->cell->st.lines++;
}

/* The cell's policy on ev, whose line is out: a line per verdict. */
static void judge(struct host *h, struct hconn *c, const struct event *ev,
		  const struct block_ctx *x, const struct model_view *v,
		  const struct msg_who *w, const char *gid, size_t gn,
		  const char *when)
{
	static char buf[WIRE_TEXT_MAX + WIRE_NAME_MAX + 2];
	struct cell_pol *cp = c->cell->pol;
	struct judge_verdict vd[JUDGE_MAX];
	int i, k = judge_event(&cp->src->cur, &cp->ring, ev, vd, buf,
			       sizeof(buf));

	for (i = 0; i < k; i++)
		violation(h, c, ev, x, v, w, gid, gn, when, &vd[i]);
}

void emit_guest(struct host *h, struct hconn *c, const struct event *ev)
{
	char id[ID_MAX], when[CE_TIME_LEN + 1], msg[HOST_MESSAGE_MAX];
	char exe[HOST_MODEL_TEXT_MAX], pexe[HOST_MODEL_TEXT_MAX];
	struct model *m = c->cell->model;
	struct block_ctx x = { c->cell->id, c->boot_id, c->bound ? c->boot_len : 0,
			       m, &c->clk, h->now_mono, h->now_real,
			       h->ancestors };
	struct model_view v;
	struct msg_who w;
	struct json_buf j;
	size_t n = guest_id(h, c, ev, id), mn;
	int clamped = event_time(h, c, ev->mono_ns, when);

	memset(&v, 0, sizeof(v));
	if (m)
		model_event(m, ev, &v);
	who(m, ev, &v, &w, exe, pexe);
	mn = msg_guest(msg, sizeof(msg), ev, &w);
	if (begin(h, c, &j, ps_name(ev->source), id, n, when,
		  msg_severity(ev->source), msg, mn) < 0)
		return;
	ce_fields(&j, ev);
	additions(&j, ev, &v, clamped);
	if (m)
		block_write(&j, &x, &v);
	end(h, c, &j);
	c->cell->st.events[ev->source]++;
	c->cell->st.clamped += (uint64_t)clamped;
	if (c->cell->pol)
		judge(h, c, ev, &x, &v, &w, id, n, when);
}

void emit_loss(struct host *h, struct hconn *c, const struct event *ev)
{
	struct json_buf j;
	char id[ID_MAX], when[CE_TIME_LEN + 1], msg[HOST_MESSAGE_MAX];
	size_t n = guest_id(h, c, ev, id), mn = msg_loss(msg, sizeof(msg), ev);

	event_time(h, c, ev->mono_ns, when);
	if (begin(h, c, &j, "telemetry_dropped", id, n, when, "warning", msg,
		  mn) < 0)
		return;
	json_kv_cstr(&j, "detected_by", "agent");
	ce_fields(&j, ev);
	end(h, c, &j);
	c->cell->st.losses++;
	if (ev->has & EVK_BIT(EVK_COUNT))
		c->cell->st.lost_seqs += ev->count;
}

/* The boot id of the connection's instance, when it said one. */
static void put_boot(struct json_buf *j, struct hconn *c)
{
	if (c->bound && c->boot_len > 0)
		json_kv_str(j, "boot_id", c->boot_id, c->boot_len);
}

void emit_gap(struct host *h, struct hconn *c, const struct stamp_range *r)
{
	struct json_buf j;
	char id[ID_MAX], msg[HOST_MESSAGE_MAX];
	size_t n = host_id(h, c, id);
	size_t mn = msg_gap(msg, sizeof(msg), r->first, r->end - r->first);

	if (begin(h, c, &j, "telemetry_dropped", id, n, NULL, "warning", msg,
		  mn) < 0)
		return;
	json_kv_cstr(&j, "detected_by", "host");
	json_kv_cstr(&j, "reason", "seq_gap");
	json_kv_uint(&j, "first_seq", r->first);
	json_kv_uint(&j, "count", r->end - r->first);
	put_boot(&j, c);
	end(h, c, &j);
	c->cell->st.gaps++;
	c->cell->st.gap_seqs += r->end - r->first;
}

void emit_rejected(struct host *h, struct hconn *c, int err, size_t n)
{
	struct json_buf j;
	char id[ID_MAX], msg[HOST_MESSAGE_MAX];
	size_t idn = host_id(h, c, id);
	size_t mn = msg_rejected(msg, sizeof(msg), wire_errname(err), n);

	if (begin(h, c, &j, "frame_rejected", id, idn, NULL, "warning", msg,
		  mn) < 0)
		return;
	json_kv_cstr(&j, "error", wire_errname(err));
	json_kv_uint(&j, "frame_bytes", n);
	put_boot(&j, c);
	end(h, c, &j);
	if (err < 0 && -err <= WIRE_NDECODE_ERR)
		c->cell->st.rejects[-err]++;
}

void emit_silenced(struct host *h, struct hconn *c)
{
	struct json_buf j;
	char id[ID_MAX], last[CE_TIME_LEN + 1], msg[HOST_MESSAGE_MAX];
	size_t n = host_id(h, c, id), mn;

	ce_time(last, c->last_real);
	mn = msg_silenced(msg, sizeof(msg), h->keepalive_ms, last);
	if (begin(h, c, &j, "agent_silenced", id, n, NULL, "warning", msg,
		  mn) < 0)
		return;
	json_kv_uint(&j, "keepalive_ms", h->keepalive_ms);
	json_kv_cstr(&j, "silent_since", last);
	put_boot(&j, c);
	end(h, c, &j);
	c->cell->st.silenced++;
}

void emit_clock(struct host *h, struct hconn *c, int verdict)
{
	static const char *const how[] = { [GCLOCK_AHEAD] = "ahead",
		[GCLOCK_ROSE] = "behind", [GCLOCK_RESTART] = "restart" };
	struct json_buf j;
	char id[ID_MAX], msg[HOST_MESSAGE_MAX];
	size_t n = host_id(h, c, id);
	int64_t d = c->clk.last_jump;
	size_t mn = msg_clock(msg, sizeof(msg), verdict, d);

	if (begin(h, c, &j, "clock_jumped", id, n, NULL, "warning", msg, mn) < 0)
		return;
	json_kv_cstr(&j, "detected_by", "host");
	json_kv_cstr(&j, "jump", how[verdict]);
	json_kv_uint(&j, "jump_ns", (uint64_t)(d < 0 ? -d : d));
	put_boot(&j, c);
	end(h, c, &j);
	c->cell->st.clock_jumps++;
}
