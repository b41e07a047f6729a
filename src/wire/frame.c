/*
 * frame.c: frame encoder and decoder, driven by the key table of event.c.
 *
 * The encoder writes keys in table order, so extended frames always come
 * out in doc/WIRE.md order, and never writes a body above WIRE_MAX_BODY: it
 * cuts the long text fields on a safe boundary and sets `truncated`.  The
 * decoder accepts keys 2.. in any order, skips unknown extension keys
 * (forward compatibility), and rejects the rest by doc/WIRE.md name.
 */
#include <string.h>
#include "../lib/bytes.h"
#include "../lib/nitems.h"
#include "argv.h"
#include "cbor.h"
#include "frame.h"
#include "utf8.h"

/* Text keys the encoder may cut, most expendable first. */
static const int cuttable[] = { EVK_ARGV, EVK_CWD, EVK_INTERP, EVK_EXE,
				 EVK_PATH, EVK_NAME };
#define NCUT nitems(cuttable)

/* Lengths the encoder writes for the cuttable keys. */
struct fit {
	size_t len[NCUT];
	int cut;
	uint16_t version;	/* content_version the profile writes */
};

static void enc_text_key(struct cbor_enc *e, const struct event *ev, int k,
			 const struct fit *f)
{
	size_t len, i;
	const char *s = event_text(ev, k, &len);

	for (i = 0; i < NCUT; i++)
		if (cuttable[i] == k)
			len = f->len[i];
	cbor_put_text(e, s, len);
}

static void enc_map(struct cbor_enc *e, const struct ev_map *m, int type)
{
	size_t i;

	cbor_put_map(e, m->n);
	for (i = 0; i < m->n; i++) {
		cbor_put_text(e, m->e[i].k, m->e[i].klen);
		if (type == EVT_MAP_TEXT)
			cbor_put_text(e, m->e[i].v, m->e[i].vlen);
		else
			cbor_put_uint(e, m->e[i].u);
	}
}

/* Write one key and its value. */
static void enc_key(struct cbor_enc *e, const struct event *ev, int k,
		    const struct fit *f)
{
	const struct ev_keydef *d = &ev_keys[k];

	cbor_put_text(e, d->name, d->namelen);
	switch (d->type) {
	case EVT_SOURCE:
		cbor_put_cstr(e, ps_name(ev->source));
		break;
	case EVT_UINT:
		if (k == EVK_CONTENT_VERSION)
			cbor_put_uint(e, f->version);
		else
			cbor_put_uint(e, k == EVK_TRUNCATED && f->cut ? 1 :
				      event_get_uint(ev, k));
		break;
	case EVT_TEXT:
		enc_text_key(e, ev, k, f);
		break;
	default:
		enc_map(e, event_map(ev, k), d->type);
	}
}

/* The optional keys an extended body carries. */
static uint64_t ext_keys(const struct event *ev, const struct fit *f)
{
	uint64_t has = ev->has & ~(EVK_BIT(EVK_FIRST_EXT) - 1);

	if (f->cut)
		has |= EVK_BIT(EVK_TRUNCATED);
	return has & (EVK_BIT(EVK_NKEYS) - 1);
}

/* Encode the body; the caller checks e->err and e->len. */
static void enc_body(struct cbor_enc *e, const struct event *ev, int profile,
		     const struct fit *f)
{
	uint64_t has = profile == WIRE_STRICT ? 0 : ext_keys(ev, f);
	int k;

	if (ev->source == PS_HOST_ACK) {
		cbor_put_map(e, 2);
		enc_key(e, ev, EVK_CONTENT_VERSION, f);
		enc_key(e, ev, EVK_ACK_SEQ, f);
		return;
	}
	cbor_put_map(e, 5 + (uint64_t)__builtin_popcountll(has));
	for (k = 0; k < EVK_FIRST_EXT; k++)
		enc_key(e, ev, k, f);
	for (; has; has &= has - 1)	/* present keys, lowest (first) first */
		enc_key(e, ev, __builtin_ctzll(has), f);
}

/* Cut one more field so the body shrinks by at least `over` bytes. */
static int fit_cut(const struct event *ev, struct fit *f, size_t over)
{
	size_t i, len, want, nl;
	const char *s;

	for (i = 0; i < NCUT; i++) {
		if (!(ev->has & EVK_BIT(cuttable[i])) || f->len[i] == 0)
			continue;
		s = event_text(ev, cuttable[i], &len);
		want = f->len[i] > over ? f->len[i] - over : 0;
		nl = cuttable[i] == EVK_ARGV ? argv_cut(s, f->len[i], want)
			: utf8_cut((const uint8_t *)s, f->len[i], want);
		f->len[i] = nl;
		f->cut = 1;
		return 0;
	}
	return -1;
}

/* Reject events that no profile can carry as they are. */
static int check_event(const struct event *ev, int profile)
{
	uint64_t has = ev->has;
	int k;

	if (ev->source == PS_HOST_ACK)
		return 0;
	if (ev->source == PS_NONE || ev->source >= PS_HOST_ACK ||
	    (profile == WIRE_STRICT && ev->source > PS_LAST_V10) ||
	    ev->pid > UINT32_MAX)
		return WIRE_E_UNENCODABLE;
	for (; has; has &= has - 1) {
		k = __builtin_ctzll(has);
		if (ev_keys[k].type == EVT_UINT &&
		    event_get_uint(ev, k) > ev_keys[k].max)
			return WIRE_E_UNENCODABLE;
	}
	return 0;
}

/* Start a fit with nothing cut and the profile's content_version. */
static void fit_init(const struct event *ev, int profile, struct fit *f)
{
	size_t i, len;

	f->cut = 0;
	f->version = profile == WIRE_STRICT && ev->source != PS_HOST_ACK ?
		WIRE_V10 : WIRE_V11;
	for (i = 0; i < NCUT; i++) {
		event_text(ev, cuttable[i], &len);
		f->len[i] = ev->has & EVK_BIT(cuttable[i]) ? len : 0;
	}
}

/* Size the body, cutting fields until it fits; returns its size or error. */
static int fit_body(const struct event *ev, int profile, struct fit *f)
{
	struct cbor_enc e;

	for (;;) {
		cbor_enc_init(&e, NULL, 0);
		enc_body(&e, ev, profile, f);
		if (e.len <= WIRE_MAX_BODY)
			return (int)e.len;
		if (profile == WIRE_STRICT || fit_cut(ev, f, e.len - WIRE_MAX_BODY))
			return WIRE_E_FRAME_TOO_LARGE;
	}
}

/* Write the 4-byte little-endian body length. */
static int put_header(uint8_t *out, size_t body)
{
	le32_put(out, (uint32_t)body);
	return (int)(WIRE_HDR_LEN + body);
}

/* The common case in one pass: encode straight into out; only a body that
 * does not fit WIRE_MAX_BODY goes through fit_body and a second pass. */
int frame_encode(const struct event *ev, int profile, uint8_t *out,
		 size_t cap)
{
	struct cbor_enc e;
	struct fit f;
	int rc = check_event(ev, profile), body;
	size_t room;

	if (rc < 0)
		return rc;
	fit_init(ev, profile, &f);
	if (!out) {
		body = fit_body(ev, profile, &f);
		return body < 0 ? body : WIRE_HDR_LEN + body;
	}
	if (cap < WIRE_HDR_LEN)
		return WIRE_E_NOSPACE;
	room = cap - WIRE_HDR_LEN < WIRE_MAX_BODY ? cap - WIRE_HDR_LEN :
		WIRE_MAX_BODY;
	cbor_enc_init(&e, out + WIRE_HDR_LEN, room);
	enc_body(&e, ev, profile, &f);
	if (!e.err)
		return put_header(out, e.len);
	if (e.len <= WIRE_MAX_BODY)
		return WIRE_E_NOSPACE;
	if ((body = fit_body(ev, profile, &f)) < 0)
		return body;
	if ((size_t)body > room)
		return WIRE_E_NOSPACE;
	cbor_enc_init(&e, out + WIRE_HDR_LEN, room);
	enc_body(&e, ev, profile, &f);
	return e.err ? e.err : put_header(out, e.len);
}

int frame_peek(const uint8_t *buf, size_t len, size_t *body_len)
{
	uint32_t n;

	if (len < WIRE_HDR_LEN)
		return WIRE_E_SHORT_HEADER;
	n = le32_get(buf);
	if (n > WIRE_MAX_BODY)
		return WIRE_E_FRAME_TOO_LARGE;
	*body_len = n;
	return 0;
}

int frame_decode(const uint8_t *buf, size_t len, struct event *ev,
		 size_t *used, unsigned flags)
{
	size_t n;
	int rc = frame_peek(buf, len, &n);

	if (rc < 0)
		return rc;
	if (len - WIRE_HDR_LEN < n)
		return WIRE_E_FRAME_TRUNCATED;
	*used = WIRE_HDR_LEN + n;
	return frame_decode_body(buf + WIRE_HDR_LEN, n, ev, flags);
}

/* Decode a nested map value (text keys; text or uint values by type). */
static int dec_map(struct cbor_dec *d, struct ev_map *m, int type)
{
	uint64_t n, i, u;
	const char *k, *v;
	size_t kl, vl, j;
	int rc = cbor_get_map(d, &n);

	if (rc < 0)
		return rc;
	if (n > WIRE_MAP_MAX)
		return WIRE_E_FIELD_TYPE;
	for (i = 0, m->n = 0; i < n; i++, m->n++) {
		if ((rc = cbor_get_text(d, &k, &kl)) < 0)
			return rc;
		if (kl > WIRE_MAPKEY_MAX)
			return WIRE_E_FIELD_TYPE;
		for (j = 0; j < m->n; j++)
			if (m->e[j].klen == kl && !memcmp(m->e[j].k, k, kl))
				return WIRE_E_DUPLICATE_KEY;
		if (type == EVT_MAP_TEXT) {
			rc = cbor_get_text(d, &v, &vl);
			if (rc == 0 && vl > WIRE_MAPVAL_MAX)
				rc = WIRE_E_FIELD_TYPE;
			if (rc == 0)
				memcpy(m->e[i].v, v, vl);
			m->e[i].vlen = (uint8_t)vl;
		} else {
			rc = cbor_get_uint(d, &u);
			m->e[i].u = u;
		}
		if (rc < 0)
			return rc;
		memcpy(m->e[i].k, k, kl);
		m->e[i].klen = (uint8_t)kl;
	}
	return 0;
}

/* Decode the value of known key k into ev. */
static int dec_value(struct cbor_dec *d, struct event *ev, int k,
		     unsigned flags)
{
	const struct ev_keydef *kd = &ev_keys[k];
	const char *s;
	size_t n;
	uint64_t u;
	int rc;

	switch (kd->type) {
	case EVT_UINT:
		if ((rc = cbor_get_uint(d, &u)) < 0)
			return rc;
		if (u > kd->max)
			return WIRE_E_INTEGER_OVERFLOW;
		event_set_uint(ev, k, u);
		return 0;
	case EVT_SOURCE:
		if ((rc = cbor_get_text(d, &s, &n)) < 0)
			return rc;
		ev->source = (uint8_t)ps_byname(s, n, flags & FRAME_DEC_V10);
		return ev->source == PS_NONE ? WIRE_E_UNKNOWN_SOURCE : 0;
	case EVT_TEXT:
		if ((rc = cbor_get_text(d, &s, &n)) < 0)
			return rc;
		if (n > kd->cap)
			return WIRE_E_FIELD_TYPE;
		memcpy((char *)ev + kd->off, s, n);
		event_text_setlen(ev, k, n);
		return 0;
	default:
		ev->has |= EVK_BIT(k);
		return dec_map(d, event_map(ev, k), kd->type);
	}
}

/* The first pair must be content_version with a 0x01xx value. */
static int dec_version(struct cbor_dec *d, struct event *ev)
{
	const char *s;
	size_t n;
	uint64_t v;
	int rc = cbor_peek_major(d);

	if (rc < 0)
		return rc;
	if (rc != CBOR_TEXT)
		return WIRE_E_CONTENT_VERSION_FIRST;
	if ((rc = cbor_get_text(d, &s, &n)) < 0)
		return rc;
	if (event_key_byname(s, n) != EVK_CONTENT_VERSION)
		return WIRE_E_CONTENT_VERSION_FIRST;
	if ((rc = cbor_get_uint(d, &v)) < 0)
		return rc;
	if (v > 0xffff)
		return WIRE_E_INTEGER_OVERFLOW;
	if (v >> 8 != 1)
		return WIRE_E_UNSUPPORTED_VERSION;
	ev->version = (uint16_t)v;
	return 0;
}

/* Decode the pairs after content_version; `seen` flags duplicates. */
static int dec_pairs(struct cbor_dec *d, struct event *ev, uint64_t npairs,
		     uint64_t *seen, unsigned flags)
{
	const char *s;
	size_t n;
	uint64_t i;
	int rc, k;

	for (i = 1; i < npairs; i++) {
		if ((rc = cbor_get_text(d, &s, &n)) < 0)
			return rc;
		k = event_key_byname(s, n);
		if (k < 0) {
			if ((rc = cbor_skip(d, 1)) < 0)
				return rc;
			continue;
		}
		if (*seen & EVK_BIT(k))
			return WIRE_E_DUPLICATE_KEY;
		*seen |= EVK_BIT(k);
		if ((rc = dec_value(d, ev, k, flags)) < 0)
			return rc;
	}
	return 0;
}

int frame_decode_body(const uint8_t *body, size_t n, struct event *ev,
		      unsigned flags)
{
	const uint64_t base = EVK_BIT(EVK_FIRST_EXT) - 1;
	struct cbor_dec d;
	uint64_t npairs, seen = EVK_BIT(EVK_CONTENT_VERSION);
	int rc;

	event_init(ev, PS_NONE, 0, 0);
	cbor_dec_init(&d, body, n);
	rc = cbor_get_map(&d, &npairs);
	if (rc == WIRE_E_FIELD_TYPE)
		return WIRE_E_NOT_MAP;
	if (rc < 0)
		return rc;
	if (npairs == 0)
		return WIRE_E_MISSING_FIELD;
	if ((rc = dec_version(&d, ev)) < 0 ||
	    (rc = dec_pairs(&d, ev, npairs, &seen, flags)) < 0)
		return rc;
	if (d.pos != n)
		return WIRE_E_TRAILING_BYTES;
	if (!(seen & EVK_BIT(EVK_PROBE_SOURCE)) && (seen & EVK_BIT(EVK_ACK_SEQ))) {
		/* an ack carries nothing else the agent uses: drop the rest */
		ev->source = PS_HOST_ACK;
		ev->has = EVK_BIT(EVK_ACK_SEQ);
		return 0;
	}
	return (seen & base) == base ? 0 : WIRE_E_MISSING_FIELD;
}
