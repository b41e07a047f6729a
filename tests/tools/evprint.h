/*
 * evprint.h: shared by the probe test tools (netprobe, capprobe; wiretool
 * uses its JSON string writer): push an
 * event through the wire codec (encode, decode) and print what came out
 * as one JSON line, so the integration tests see exactly what a host
 * would.  Header-only because each tool is one .c file.
 */
#pragma once
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/frame.h"

static inline void evprint_str(const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	putchar('"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* One key of ev as `"name": value`. */
static inline void evprint_key(const struct event *ev, int k)
{
	const struct ev_map *m;
	const char *s;
	size_t n, i;

	printf(", \"%s\": ", ev_keys[k].name);
	switch (ev_keys[k].type) {
	case EVT_UINT:
		printf("%llu", (unsigned long long)event_get_uint(ev, k));
		break;
	case EVT_TEXT:
		s = event_text(ev, k, &n);
		evprint_str(s, n);
		break;
	default:
		m = event_map(ev, k);
		putchar('{');
		for (i = 0; i < m->n; i++) {
			printf(i ? ", " : "");
			evprint_str(m->e[i].k, m->e[i].klen);
			if (ev_keys[k].type == EVT_MAP_TEXT) {
				printf(": ");
				evprint_str(m->e[i].v, m->e[i].vlen);
			} else {
				printf(": %llu", (unsigned long long)m->e[i].u);
			}
		}
		putchar('}');
	}
}

/* Encode ev (v1.1), decode the frame, print the decoded event; abort when
 * the codec refuses it: a probe must only make events the wire carries. */
static inline void evprint(const struct event *ev)
{
	static uint8_t frame[WIRE_MAX_FRAME];
	static struct event back;
	size_t used;
	int n, k;

	n = frame_encode(ev, WIRE_EXTENDED, frame, sizeof(frame));
	if (n < 0 || frame_decode(frame, (size_t)n, &back, &used, 0) < 0) {
		fprintf(stderr, "evprint: the codec refused an event\n");
		abort();
	}
	printf("{\"probe_source\": \"%s\", \"guest_pid\": %llu, "
	       "\"guest_monotonic_ns\": %llu, \"guest_comm\": ",
	       ps_name(back.source), (unsigned long long)back.pid,
	       (unsigned long long)back.mono_ns);
	evprint_str(back.comm.s, back.comm.len);
	for (k = EVK_FIRST_EXT; k < EVK_NKEYS; k++)
		if (back.has & EVK_BIT(k))
			evprint_key(&back, k);
	printf("}\n");
	fflush(stdout);
}
