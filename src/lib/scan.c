/*
 * scan.c: the number scanners of scan.h.
 *
 * Overflow is checked before each step (v * base + d <= max), so max may
 * be anything up to UINT64_MAX.
 */
#include "scan.h"

/* The value of c as a digit of base (10 or 16), or -1. */
static int digit(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The digits of base at the start of s[0..n); 0 when none or past max. */
static size_t scan(const char *s, size_t n, unsigned base, uint64_t max,
		   uint64_t *v)
{
	size_t i;
	int d;

	*v = 0;
	for (i = 0; i < n && (d = digit(s[i], base)) >= 0; i++) {
		if ((uint64_t)d > max || *v > (max - (uint64_t)d) / base)
			return 0;
		*v = *v * base + (uint64_t)d;
	}
	return i;
}

size_t scan_dec(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	return scan(s, n, 10, max, v);
}

size_t scan_hex(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	return scan(s, n, 16, max, v);
}

int scan_dec_all(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	return n > 0 && scan(s, n, 10, max, v) == n ? 0 : -1;
}

int scan_hex_all(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	return n > 0 && scan(s, n, 16, max, v) == n ? 0 : -1;
}
