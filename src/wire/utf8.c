/*
 * utf8.c: strict UTF-8 validation and boundary-safe cutting.
 *
 * The decoder calls utf8_valid on every text string a guest sends; the
 * agent calls utf8_sanitize on kernel strings (comm, paths) which may hold
 * any bytes.  Nothing here interprets code points beyond well-formedness.
 */
#include "utf8.h"

/* Length of the well-formed sequence at s, per RFC 3629 table 3-7; 0 if bad. */
size_t utf8_seqlen(const uint8_t *s, size_t n)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;		/* overlong 3-byte */
	else if (c == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (c == 0xf0)
		lo = 0x90;		/* overlong 4-byte */
	else if (c == 0xf4)
		hi = 0x8f;		/* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seqlen(s + i, n - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

size_t utf8_cut(const uint8_t *s, size_t n, size_t max)
{
	size_t i = 0, k;

	if (n <= max)
		return n;
	while (i < max) {
		k = utf8_seqlen(s + i, n - i);
		if (k == 0 || i + k > max)
			break;
		i += k;
	}
	return i;
}

size_t utf8_sanitize(char *dst, size_t cap, const uint8_t *src, size_t n,
		     size_t *used)
{
	static const char repl[3] = { (char)0xef, (char)0xbf, (char)0xbd };
	size_t i = 0, o = 0, k;

	while (i < n) {
		k = utf8_seqlen(src + i, n - i);
		if (k == 0) {
			if (o + 3 > cap)
				break;
			dst[o++] = repl[0];
			dst[o++] = repl[1];
			dst[o++] = repl[2];
			i++;
			continue;
		}
		if (o + k > cap)
			break;
		while (k--)
			dst[o++] = (char)src[i++];
	}
	*used = i;
	return o;
}
