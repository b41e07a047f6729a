/*
 * frame.h: doc/WIRE.md frames: u32 LE body length, then one CBOR map.
 *
 * frame_encode turns a struct event into bytes for the strict (v1.0) or
 * extended (v1.1) profile, cutting argv/exe/path/name when the body would
 * pass 4096 bytes.  frame_decode turns bytes into a struct event or one of
 * the named errors of doc/WIRE.md §3.  Both are pure functions over buffers.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "werr.h"

enum wire_profile { WIRE_STRICT = 0, WIRE_EXTENDED = 1 };

/* Decoder flags. */
#define FRAME_DEC_V10	1	/* behave as a CellOS 0.5 host: v1.0 sources only */

/* Encode ev as a whole frame into out[0..cap).  out == NULL: size only.
 * Returns the frame's length or a negative wire error. */
int frame_encode(const struct event *ev, int profile, uint8_t *out,
		 size_t cap);

/* Body length from a frame header: ShortHeader below 4 bytes,
 * FrameTooLarge above WIRE_MAX_BODY. */
int frame_peek(const uint8_t *buf, size_t len, size_t *body_len);

/* Decode one frame at buf[0..len).  When the header was good, *used gets
 * the whole frame's length even if the body then fails, so a reader can
 * drop just that frame. */
int frame_decode(const uint8_t *buf, size_t len, struct event *ev,
		 size_t *used, unsigned flags);

/* Decode a body without its header. */
int frame_decode_body(const uint8_t *body, size_t n, struct event *ev,
		      unsigned flags);
