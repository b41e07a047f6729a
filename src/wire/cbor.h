/*
 * cbor.h: the CBOR subset of doc/WIRE.md §3 (RFC 8949 majors 0, 3 and 5).
 *
 * Encoder: shortest-form heads into a caller buffer, a sticky error, and a
 * size-only mode (buf == NULL).  Decoder: a cursor over a byte buffer that
 * accepts any argument width 0-27 and rejects everything else by name.
 * Neither allocates.  Arrays, byte strings, tags, floats and indefinite
 * lengths are deliberately not here: the wire never carries them.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "werr.h"

enum { CBOR_UINT = 0, CBOR_TEXT = 3, CBOR_MAP = 5 };

struct cbor_enc {
	uint8_t *buf;		/* NULL: count only */
	size_t cap;
	size_t len;		/* bytes the items need, even past cap */
	int err;		/* first error, sticky */
};

void cbor_enc_init(struct cbor_enc *e, uint8_t *buf, size_t cap);
void cbor_put_uint(struct cbor_enc *e, uint64_t v);
void cbor_put_text(struct cbor_enc *e, const char *s, size_t n);
void cbor_put_cstr(struct cbor_enc *e, const char *s);
void cbor_put_map(struct cbor_enc *e, uint64_t npairs);
/* Bytes of a shortest-form head for argument v. */
size_t cbor_head_len(uint64_t v);

struct cbor_dec {
	const uint8_t *p;
	size_t n;
	size_t pos;
};

void cbor_dec_init(struct cbor_dec *d, const uint8_t *p, size_t n);
/* Read one head; checks the subset.  On error the cursor is unchanged. */
int cbor_get_head(struct cbor_dec *d, unsigned *major, uint64_t *arg);
/* Major of the next item without consuming it, or a negative error. */
int cbor_peek_major(const struct cbor_dec *d);
int cbor_get_uint(struct cbor_dec *d, uint64_t *v);
/* Text: *s points into the buffer; UTF-8 is validated. */
int cbor_get_text(struct cbor_dec *d, const char **s, size_t *n);
int cbor_get_map(struct cbor_dec *d, uint64_t *npairs);
/* Skip one whole item, maps nested at most `depth` deep. */
int cbor_skip(struct cbor_dec *d, int depth);
