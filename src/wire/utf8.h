/*
 * utf8.h: strict UTF-8 (RFC 3629) checks and safe cuts over byte buffers.
 *
 * No locale, no allocation, no replacement of bad input except in
 * utf8_sanitize, which is for data the agent reads from the kernel.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int utf8_valid(const uint8_t *s, size_t n);

/* Length of the next well-formed sequence at s (1..4), or 0 if it is not one. */
size_t utf8_seqlen(const uint8_t *s, size_t n);

/* The longest prefix of valid UTF-8 s[0..n) that is <= max bytes and ends
 * on a character boundary. */
size_t utf8_cut(const uint8_t *s, size_t n, size_t max);

/* Copy src into dst (cap bytes, no NUL written), each ill-formed byte
 * replaced by U+FFFD, stopping on a character boundary before cap.
 * Returns the bytes written; *used gets the input bytes consumed. */
size_t utf8_sanitize(char *dst, size_t cap, const uint8_t *src, size_t n,
		     size_t *used);
