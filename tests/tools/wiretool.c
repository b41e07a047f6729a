/*
 * wiretool.c: our side of the independent-decoder check.
 *
 *   wiretool gen GOOD.txt N SEED   for every good vector (decoded, then
 *       re-encoded) and N random events: "HEXFRAME<TAB>JSON" where JSON is
 *       the ordered [key, value] pairs the frame must hold, built from the
 *       struct event (not from the bytes)
 *   wiretool dec                   for every HEXFRAME line on stdin: the
 *       pairs our decoder sees, or "ERROR <name>"
 *
 * tests/vectors/independent.py feeds these to python3-cbor2 and libcbor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/frame.h"
#include "evprint.h"

static void json_map(const struct ev_map *m, int type)
{
	size_t i;

	putchar('[');
	for (i = 0; i < m->n; i++) {
		printf(i ? ", [" : "[");
		evprint_str(m->e[i].k, m->e[i].klen);
		printf(", ");
		if (type == EVT_MAP_TEXT)
			evprint_str(m->e[i].v, m->e[i].vlen);
		else
			printf("%llu", (unsigned long long)m->e[i].u);
		putchar(']');
	}
	putchar(']');
}

/* One [key, value] pair of the expected list. */
static void json_pair(const struct event *ev, int k, uint16_t version)
{
	const char *s;
	size_t n;

	printf("%s[\"%s\", ", k ? ", " : "", ev_keys[k].name);
	if (k == EVK_CONTENT_VERSION)
		printf("%u", version);
	else if (ev_keys[k].type == EVT_SOURCE)
		evprint_str(ps_name(ev->source), strlen(ps_name(ev->source)));
	else if (ev_keys[k].type == EVT_UINT)
		printf("%llu", (unsigned long long)event_get_uint(ev, k));
	else if (ev_keys[k].type == EVT_TEXT) {
		s = event_text(ev, k, &n);
		evprint_str(s, n);
	} else
		json_map(event_map(ev, k), ev_keys[k].type);
	putchar(']');
}

/* The ordered pairs a frame of ev in this profile must carry. */
static void json_event(const struct event *ev, int profile)
{
	uint16_t v = profile == WIRE_STRICT ? WIRE_V10 : WIRE_V11;
	int k;

	putchar('[');
	if (ev->source == PS_HOST_ACK) {
		json_pair(ev, EVK_CONTENT_VERSION, WIRE_V11);
		json_pair(ev, EVK_ACK_SEQ, v);
	} else {
		for (k = 0; k < EVK_NKEYS; k++)
			if (k < EVK_FIRST_EXT || (profile == WIRE_EXTENDED &&
						  (ev->has & EVK_BIT(k))))
				json_pair(ev, k, v);
	}
	puts("]");
}

static void hex(const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static long unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strcspn(h, "\t\n") / 2, i;
	unsigned b;

	if (n > cap)
		return -1;
	for (i = 0; i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return (long)n;
}

static uint64_t rnd(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 2 ^
	       (uint64_t)random();
}

/* A uint that exercises every head width, within the key's maximum. */
static uint64_t rnd_uint(uint64_t max)
{
	static const uint64_t edge[] = { 0, 1, 23, 24, 255, 256, 65535, 65536,
		4294967295u, 4294967296ull, UINT64_MAX };
	uint64_t v = random() % 2 ? edge[random() % 11] : rnd() >> (random() % 64);

	return v > max ? v % (max + 1) : v;
}

/* Random valid UTF-8 of at most max bytes, with the awkward characters. */
static size_t rnd_text(char *out, size_t max)
{
	static const char *const piece[] = { "a", "Z", " ", "\"", "\\", "\n",
		"\x01", "\x1f", "\x7f", "\0", "\xc3\xa9", "\xe6\xb0\xb4",
		"\xf0\x90\x85\x91", "/", "%s" };
	size_t n = 0, want = (size_t)random() % (max + 1), k;
	const char *p;

	while (n < want) {
		int i = (int)(random() % 15);

		p = piece[i];
		k = i == 9 ? 1 : strlen(p);
		if (n + k > max)
			break;
		memcpy(out + n, p, k);
		n += k;
	}
	return n;
}

static void rnd_map(struct event *ev, int key)
{
	char k[8], v[WIRE_MAPVAL_MAX + 1];
	int i, n = (int)(random() % (WIRE_MAP_MAX + 1));
	size_t vl;

	ev->has |= EVK_BIT(key);
	event_map(ev, key)->n = 0;
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		vl = rnd_text(v, 40);
		v[vl] = 0;
		if (ev_keys[key].type == EVT_MAP_TEXT)
			event_map_text(ev, key, k, strlen(v) == vl ? v : "x");
		else
			event_map_uint(ev, key, k, rnd_uint(UINT64_MAX));
	}
}

/* A random event small enough that the encoder never has to cut it. */
static void rnd_event(struct event *ev)
{
	static char t[WIRE_TEXT_MAX];
	int k, src = 1 + (int)(random() % (PS_HOST_ACK));
	size_t cap;

	event_init(ev, src, (uint32_t)rnd_uint(UINT32_MAX), rnd_uint(UINT64_MAX));
	event_set_text(ev, EVK_GUEST_COMM, t, rnd_text(t, WIRE_COMM_MAX));
	if (src == PS_HOST_ACK) {
		event_set_uint(ev, EVK_ACK_SEQ, rnd_uint(UINT64_MAX));
		return;
	}
	for (k = EVK_FIRST_EXT; k < EVK_NKEYS; k++) {
		if (random() % 10 >= 3)
			continue;
		cap = ev_keys[k].cap < 300 ? ev_keys[k].cap : 300;
		if (ev_keys[k].type == EVT_UINT)
			event_set_uint(ev, k, rnd_uint(ev_keys[k].max));
		else if (ev_keys[k].type == EVT_TEXT)
			event_set_text(ev, k, t, rnd_text(t, cap));
		else
			rnd_map(ev, k);
	}
}

static int emit(const struct event *ev, int profile)
{
	static uint8_t out[WIRE_MAX_FRAME];
	int n = frame_encode(ev, profile, out, sizeof(out));

	if (n < 0) {
		fprintf(stderr, "wiretool: encode: %s\n", wire_errname(n));
		return -1;
	}
	hex(out, (size_t)n);
	putchar('\t');
	json_event(ev, profile);
	return 0;
}

static int gen(const char *good, long count, unsigned seed)
{
	static char line[20000];
	static uint8_t in[WIRE_MAX_FRAME];
	static struct event ev;
	FILE *f = fopen(good, "r");
	size_t used;
	long n, i;

	if (!f)
		return perror(good), 1;
	while (fgets(line, sizeof(line), f)) {
		char *h = strchr(line, '\t');

		if (line[0] == '#' || !h || (n = unhex(h + 1, in, sizeof(in))) < 0 ||
		    frame_decode(in, (size_t)n, &ev, &used, 0) < 0)
			continue;
		if (emit(&ev, ev.version == WIRE_V10 ? WIRE_STRICT : WIRE_EXTENDED))
			return 1;
	}
	fclose(f);
	srandom(seed);
	for (i = 0; i < count; i++) {
		rnd_event(&ev);
		if (emit(&ev, ev.source <= PS_LAST_V10 && random() % 4 == 0 ?
			 WIRE_STRICT : WIRE_EXTENDED))
			return 1;
	}
	return 0;
}

static int dec(void)
{
	static char line[20000];
	static uint8_t in[WIRE_MAX_FRAME + 16];
	static struct event ev;
	size_t used;
	long n;
	int rc;

	while (fgets(line, sizeof(line), stdin)) {
		n = unhex(line, in, sizeof(in));
		rc = n < 0 ? WIRE_E_FRAME_TOO_LARGE :
			frame_decode(in, (size_t)n, &ev, &used, 0);
		if (rc == 0 && used != (size_t)n)
			rc = WIRE_E_TRAILING_BYTES;
		if (rc < 0)
			printf("ERROR %s\n", wire_errname(rc));
		else
			json_event(&ev, ev.version == WIRE_V10 ? WIRE_STRICT :
				   WIRE_EXTENDED);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atol(argv[3]), (unsigned)atol(argv[4]));
	if (argc == 2 && strcmp(argv[1], "dec") == 0)
		return dec();
	fprintf(stderr, "usage: wiretool gen GOOD.txt N SEED | wiretool dec\n");
	return 2;
}
