/*
 * json.h: a small JSON writer into a caller's buffer (RFC 8259).
 *
 * Strings are escaped byte by byte: '"', '\\' and every byte below 0x20
 * (U+0000 included) become escapes; everything else is copied, so the
 * caller passes valid UTF-8 (the wire decoder guarantees it for guest
 * text).  Commas between members and elements are placed by the writer.
 * Running out of room sets a sticky error; nothing is allocated.  It does
 * not parse JSON.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH 6

struct json_buf {
	char *p;
	size_t cap;
	size_t len;
	int err;			/* 1 once something did not fit */
	int depth;
	uint8_t count[JSON_DEPTH];	/* members written at each depth */
};

void json_init(struct json_buf *j, char *p, size_t cap);
/* Bytes as they are (already JSON). */
void json_raw(struct json_buf *j, const char *s, size_t n);
/* Open/close an object ('{', '}') or array ('[', ']'). */
void json_open(struct json_buf *j, char c);
void json_close(struct json_buf *j, char c);
/* A member name inside an object (adds the comma before it). */
void json_key(struct json_buf *j, const char *k);
/* The comma before an array element. */
void json_elem(struct json_buf *j);
/* A quoted, escaped string of n bytes; a number. */
void json_str(struct json_buf *j, const char *s, size_t n);
void json_uint(struct json_buf *j, uint64_t v);
/* Bytes json_str writes for s[0..n), quotes included; room left in j. */
size_t json_str_len(const char *s, size_t n);
size_t json_room(const struct json_buf *j);
/* Shorthands: key plus value. */
void json_kv_str(struct json_buf *j, const char *k, const char *s, size_t n);
void json_kv_cstr(struct json_buf *j, const char *k, const char *s);
void json_kv_uint(struct json_buf *j, const char *k, uint64_t v);
