/*
 * scan.h: unsigned numbers in text that need not end in a NUL: the one
 * place the project turns digits into integers (settings, /proc files,
 * audit records, addresses).
 *
 * Pure: no errno, no locale, no sign, no blanks, no prefix ("0x").  A
 * scanner reads digits from the start of s[0..n) and stops at the first
 * other byte; it never reads past n.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* The decimal digits at the start of s[0..n) into *v.  Returns how many
 * it read: 0 when there are none or the value passes max. */
size_t scan_dec(const char *s, size_t n, uint64_t max, uint64_t *v);
/* The same for hexadecimal digits (0-9, a-f, A-F). */
size_t scan_hex(const char *s, size_t n, uint64_t max, uint64_t *v);
/* All of s[0..n), at least one digit, as a decimal <= max: 0, else -1. */
int scan_dec_all(const char *s, size_t n, uint64_t max, uint64_t *v);
/* All of s[0..n) as a hexadecimal <= max: 0, else -1. */
int scan_hex_all(const char *s, size_t n, uint64_t max, uint64_t *v);
