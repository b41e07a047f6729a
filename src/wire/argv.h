/*
 * argv.h: the `argv` text of doc/WIRE.md §4, both directions.
 *
 * Raw form: the arguments' bytes separated by NUL, as in /proc/PID/cmdline
 * without its final NUL.  Text form: valid UTF-8 where each separator is
 * U+0000, a byte that is not part of well-formed UTF-8 is "\xHH" (lower
 * case hex) and a backslash is "\\".  The mapping is exact both ways.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Escape raw[0..n) into out[0..cap), stopping on a whole unit when full.
 * Returns the bytes written; *used gets the raw bytes consumed. */
size_t argv_escape(char *out, size_t cap, const uint8_t *raw, size_t n,
		   size_t *used);

/* Reverse argv_escape into out[0..cap).  Returns the bytes written, or -1
 * for text argv_escape never writes (a stray backslash, bad or upper-case
 * hex, an escaped ASCII byte) or output that does not fit. */
ssize_t argv_unescape(uint8_t *out, size_t cap, const char *s, size_t n);

/* The longest prefix of escaped text s[0..n) of at most max bytes that
 * ends between two units (never inside "\xHH", "\\" or a character). */
size_t argv_cut(const char *s, size_t n, size_t max);

/* Number of arguments in raw form (separators + 1; 0 for no bytes). */
size_t argv_count(const uint8_t *raw, size_t n);
