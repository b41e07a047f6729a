/*
 * argv.c: escaping of argument vectors into wire text and back.
 *
 * Works unit by unit: a unit is one well-formed UTF-8 character, one
 * escaped byte ("\xHH") or an escaped backslash ("\\").  Cuts only ever
 * fall between units, so a cut text still unescapes exactly to a prefix.
 */
#include "argv.h"
#include "utf8.h"

static const char hexd[] = "0123456789abcdef";

/* Escape one unit at raw; writes into u[4] and returns its length. */
static size_t esc_unit(const uint8_t *raw, size_t n, char u[4], size_t *in)
{
	size_t k = utf8_seqlen(raw, n), i;

	if (raw[0] == '\\') {
		u[0] = u[1] = '\\';
		*in = 1;
		return 2;
	}
	if (k == 0) {
		u[0] = '\\';
		u[1] = 'x';
		u[2] = hexd[raw[0] >> 4];
		u[3] = hexd[raw[0] & 15];
		*in = 1;
		return 4;
	}
	for (i = 0; i < k; i++)
		u[i] = (char)raw[i];
	*in = k;
	return k;
}

size_t argv_escape(char *out, size_t cap, const uint8_t *raw, size_t n,
		   size_t *used)
{
	size_t i = 0, o = 0, in, k, j;
	char u[4];

	while (i < n) {
		k = esc_unit(raw + i, n - i, u, &in);
		if (o + k > cap)
			break;
		for (j = 0; j < k; j++)
			out[o++] = u[j];
		i += in;
	}
	*used = i;
	return o;
}

/* Value of one lower-case hex digit, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Length of the unit at s (1-4), or 0 when it is not a valid unit. */
static size_t unit_len(const char *s, size_t n)
{
	const uint8_t *u = (const uint8_t *)s;

	if (s[0] != '\\')
		return utf8_seqlen(u, n);
	if (n >= 2 && s[1] == '\\')
		return 2;
	if (n >= 4 && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0)
		return 4;
	return 0;
}

ssize_t argv_unescape(uint8_t *out, size_t cap, const char *s, size_t n)
{
	size_t i = 0, o = 0, k, j;
	uint8_t b;

	while (i < n) {
		k = unit_len(s + i, n - i);
		if (k == 0 || o >= cap)
			return -1;
		if (k == 4 && s[i] == '\\') {
			b = (uint8_t)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			/* a byte that starts valid UTF-8 here was never escaped */
			if (b == '\\' || utf8_seqlen(&b, 1) == 1)
				return -1;
			out[o++] = b;
		} else if (k == 2 && s[i] == '\\') {
			out[o++] = '\\';
		} else {
			if (o + k > cap)
				return -1;
			for (j = 0; j < k; j++)
				out[o++] = (uint8_t)s[i + j];
		}
		i += k;
	}
	return (ssize_t)o;
}

size_t argv_cut(const char *s, size_t n, size_t max)
{
	size_t i = 0, k;

	while (i < n) {
		k = unit_len(s + i, n - i);
		if (k == 0)
			k = 1;		/* not ours to judge: never split less */
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

size_t argv_count(const uint8_t *raw, size_t n)
{
	size_t c = 1, i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		c += raw[i] == 0;
	return c;
}
