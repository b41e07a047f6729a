/*
 * ce.c: CloudEvents envelope and data of one event (see ce.h).
 *
 * Guest fields come out by walking the wire key table, so `data` keeps
 * wire order and names.  Text is escaped by json.c; `argv` (doc/WIRE.md §4:
 * arguments joined by U+0000, in its escaped text form) becomes an array
 * of strings split at each U+0000, each element still in that text form
 * (`\xHH` for a byte that was not UTF-8, `\\` for a backslash), so the
 * mapping back to raw bytes stays exact.  Nested maps become objects.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "ce.h"
#include "lib/caps.h"
#include "lib/units.h"
#include "sign.h"

void ce_time(char *out, uint64_t real_ns)
{
	time_t s = (time_t)(real_ns / NS_PER_SEC);
	unsigned us = (unsigned)(real_ns % NS_PER_SEC / NS_PER_US);
	struct tm tm;
	char tmp[96];

	gmtime_r(&s, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
		 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, us);
	memcpy(out, tmp, CE_TIME_LEN);
	out[CE_TIME_LEN] = 0;
}

/* The event type: prefix, then name with '.' -> '_'. */
static void put_type(struct json_buf *j, const char *name)
{
	char t[sizeof(CE_TYPE_PREFIX) + 32];
	size_t n = sizeof(CE_TYPE_PREFIX) - 1, i;

	memcpy(t, CE_TYPE_PREFIX, n);
	for (i = 0; name[i] && n < sizeof(t); i++)
		t[n++] = name[i] == '.' ? '_' : name[i];
	json_kv_str(j, "type", t, n);
}

void ce_begin(struct json_buf *j, const struct ce_stamp *st,
	      const char *type, const char *id, size_t idlen)
{
	json_open(j, '{');
	json_kv_cstr(j, "specversion", "1.0");
	json_kv_str(j, "id", id, idlen);
	json_key(j, "source");
	json_raw(j, "\"cellos://cell/", 15);
	json_raw(j, st->cell, strlen(st->cell));	/* [A-Za-z0-9._-] */
	json_raw(j, "\"", 1);
	json_kv_cstr(j, "time", st->when ? st->when : st->time);
	put_type(j, type);
	json_kv_cstr(j, "datacontenttype", "application/json");
	json_key(j, "data");
	json_open(j, '{');
	json_kv_cstr(j, "cell_id", st->cell);
	json_kv_cstr(j, "run_id", st->run_id);
	json_kv_cstr(j, "host_received_at", st->time);
	if (st->extra_len > 0) {
		json_raw(j, ",", 1);
		json_raw(j, st->extra, st->extra_len);
	}
}

void ce_end(struct json_buf *j)
{
	json_close(j, '}');
	json_close(j, '}');
}

/* argv text -> array of strings, split at each U+0000 (a 0x00 byte);
 * "" is no argument, "a\0" is two ("a" and ""). */
void ce_argv(struct json_buf *j, const char *s, size_t n)
{
	const char *end = s + n, *z;

	json_open(j, '[');
	while (n > 0) {
		z = memchr(s, 0, (size_t)(end - s));
		json_elem(j);
		json_str(j, s, (size_t)((z ? z : end) - s));
		if (!z)
			break;
		s = z + 1;
	}
	json_close(j, ']');
}

static void put_map(struct json_buf *j, const struct ev_map *m, int type)
{
	unsigned i;

	json_open(j, '{');
	for (i = 0; i < m->n; i++) {
		json_elem(j);
		json_str(j, m->e[i].k, m->e[i].klen);
		json_raw(j, ":", 1);
		if (type == EVT_MAP_TEXT)
			json_str(j, m->e[i].v, m->e[i].vlen);
		else
			json_uint(j, m->e[i].u);
	}
	json_close(j, '}');
}

void ce_fields(struct json_buf *j, const struct event *ev)
{
	const struct ev_keydef *d;
	const char *s;
	size_t n;
	int k;

	for (k = 0; k < EVK_NKEYS; k++) {
		if (k >= EVK_FIRST_EXT && !(ev->has & EVK_BIT(k)))
			continue;
		d = &ev_keys[k];
		json_key(j, d->name);
		if (d->type == EVT_SOURCE) {
			json_str(j, ps_name(ev->source), strlen(ps_name(ev->source)));
		} else if (d->type == EVT_UINT) {
			json_uint(j, event_get_uint(ev, k));
		} else if (d->type == EVT_TEXT) {
			s = event_text(ev, k, &n);
			if (k == EVK_ARGV)
				ce_argv(j, s, n);
			else
				json_str(j, s, n);
		} else {
			put_map(j, event_map(ev, k), d->type);
		}
	}
}

/* The longest line fits HOST_LINE_MAX: a body of WIRE_MAX_BODY bytes
 * each escaped to at most 6 (\u00XX), the labels likewise, the host name,
 * 2 KiB for the envelope, the stamp and the id, then a signature. */
_Static_assert(6 * WIRE_MAX_BODY + HOST_LABELS_MAX * (HOST_LABEL_KEY_MAX +
	       6 * HOST_LABEL_VALUE_MAX + 6) + HOST_NAME_LEN_MAX + 2048 +
	       SIGN_SUFFIX_MAX < HOST_LINE_MAX, "a line may not fit");

size_t ce_extra(char *out, size_t cap, const char *name,
		char *const *labels, unsigned n)
{
	char key[HOST_LABEL_KEY_MAX + 1];
	struct json_buf j;
	const char *eq;
	size_t kl;
	unsigned i;

	json_init(&j, out, cap);
	json_open(&j, '{');
	if (name)
		json_kv_cstr(&j, "host_name", name);
	if (n > 0) {
		json_key(&j, "labels");
		json_open(&j, '{');
	}
	for (i = 0; i < n; i++) {
		eq = strchr(labels[i], '=');	/* opts.c checked the word */
		kl = eq ? (size_t)(eq - labels[i]) : sizeof(key);
		if (kl >= sizeof(key))
			return 0;
		memcpy(key, labels[i], kl);
		key[kl] = 0;
		json_kv_cstr(&j, key, eq + 1);
	}
	if (n > 0)
		json_close(&j, '}');
	json_close(&j, '}');
	if (j.err || j.len <= 2)
		return 0;
	memmove(out, out + 1, j.len - 2);	/* without the braces */
	return j.len - 2;
}
