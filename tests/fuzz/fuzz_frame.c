/*
 * fuzz_frame.c: libFuzzer target on frame_decode.
 *
 * Any input: decoding must not crash or read out of bounds.  A frame that
 * decodes must re-encode (it fits: our encoding is never longer than an
 * accepted one), decode again to an equal event, and re-encode to the same
 * bytes: decode -> encode -> decode is stable.
 */
#include <stdlib.h>
#include <string.h>
#include "wire/frame.h"

static struct event ev1, ev2;
static uint8_t out1[WIRE_MAX_FRAME], out2[WIRE_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t used, used2;
	int prof, n1, n2;

	if (frame_decode(data, size, &ev1, &used, 0) < 0)
		return 0;
	if (used > size)
		abort();
	prof = ev1.version == WIRE_V10 ? WIRE_STRICT : WIRE_EXTENDED;
	if (prof == WIRE_STRICT && ev1.source > PS_LAST_V10)
		prof = WIRE_EXTENDED;
	if (prof == WIRE_STRICT)
		ev1.has = 0;	/* a v1.0 encoding carries no extension keys */
	n1 = frame_encode(&ev1, prof, out1, sizeof(out1));
	if (n1 < 0 || (size_t)n1 > used)
		abort();
	if (frame_decode(out1, (size_t)n1, &ev2, &used2, 0) < 0 ||
	    used2 != (size_t)n1 || !event_equal(&ev1, &ev2))
		abort();
	n2 = frame_encode(&ev2, prof, out2, sizeof(out2));
	if (n2 != n1 || memcmp(out1, out2, (size_t)n1) != 0)
		abort();
	return 0;
}
