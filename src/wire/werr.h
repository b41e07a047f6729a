/*
 * werr.h: the named errors of the wire codec (doc/WIRE.md §3), shared by the
 * encoder, the decoder, the agent and the host.
 *
 * Codec functions return one of these (negative) and never touch errno.
 */
#pragma once

enum wire_err {
	WIRE_OK = 0,
	/* decoder errors, named as in doc/WIRE.md §3 */
	WIRE_E_FRAME_TOO_LARGE = -1,
	WIRE_E_FRAME_TRUNCATED = -2,
	WIRE_E_SHORT_HEADER = -3,
	WIRE_E_UNEXPECTED_EOF = -4,
	WIRE_E_UNSUPPORTED_MAJOR = -5,
	WIRE_E_UNSUPPORTED_ADDITIONAL = -6,
	WIRE_E_NOT_MAP = -7,
	WIRE_E_CONTENT_VERSION_FIRST = -8,
	WIRE_E_UNSUPPORTED_VERSION = -9,
	WIRE_E_MISSING_FIELD = -10,
	WIRE_E_FIELD_TYPE = -11,
	WIRE_E_INTEGER_OVERFLOW = -12,
	WIRE_E_UNKNOWN_SOURCE = -13,
	WIRE_E_INVALID_UTF8 = -14,
	WIRE_E_DUPLICATE_KEY = -15,
	WIRE_E_TRAILING_BYTES = -16,
	/* encoder errors: the caller's buffer, or an event the profile can't carry */
	WIRE_E_NOSPACE = -17,
	WIRE_E_UNENCODABLE = -18,
};

/* Number of decoder errors (the first 16), for per-error counters. */
#define WIRE_NDECODE_ERR 16

/* The doc/WIRE.md name of an error ("FrameTooLarge"), or "?" for none. */
const char *wire_errname(int err);
/* The error for a doc/WIRE.md name, or 0 when the name is unknown. */
int wire_errbyname(const char *name);
