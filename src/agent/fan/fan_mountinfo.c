/*
 * fan_mountinfo.c: the mountinfo line parser of fan_mountinfo.h.
 *
 * "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw"
 *  id parent major:minor root point options [optional...] - type source super
 * Never reads past n.
 */
#include <string.h>
#include "lib/scan.h"
#include "fan_mountinfo.h"

/* The space-separated field at s[*i], advancing *i past it and its space. */
static const char *field(const char *s, size_t n, size_t *i, size_t *len)
{
	size_t start = *i;

	while (*i < n && s[*i] != ' ')
		(*i)++;
	*len = *i - start;
	if (*i < n)
		(*i)++;
	return s + start;
}

/* A decimal u32 that is the whole of f[0..n). */
static int dec(const char *f, size_t n, uint32_t *v)
{
	uint64_t x;

	if (scan_dec_all(f, n, UINT32_MAX, &x) < 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* Unescape \ooo sequences of f[0..n) into out[0..cap) with a NUL. */
static int unescape(const char *f, size_t n, char *out, size_t cap,
		    size_t *len)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = f[i];

		if (c == '\\' && n - i >= 4 && f[i + 1] >= '0' && f[i + 1] <= '3' &&
		    f[i + 2] >= '0' && f[i + 2] <= '7' &&
		    f[i + 3] >= '0' && f[i + 3] <= '7') {
			c = (char)((f[i + 1] - '0') << 6 | (f[i + 2] - '0') << 3 |
				   (f[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	*len = o;
	return 0;
}

int fan_mountinfo_parse(const char *s, size_t n, struct fan_mnt *m,
			char *point, size_t cap)
{
	size_t i = 0, len;
	const char *f, *colon;

	f = field(s, n, &i, &len);
	if (dec(f, len, &m->id) < 0)
		return -1;
	f = field(s, n, &i, &len);
	if (dec(f, len, &m->parent) < 0)
		return -1;
	f = field(s, n, &i, &len);
	colon = memchr(f, ':', len);
	if (!colon || dec(f, (size_t)(colon - f), &m->major) < 0 ||
	    dec(colon + 1, len - (size_t)(colon - f) - 1, &m->minor) < 0)
		return -1;
	field(s, n, &i, &len);				/* root */
	f = field(s, n, &i, &len);			/* mount point */
	if (len == 0 || unescape(f, len, point, cap, &m->point_len) < 0)
		return -1;
	field(s, n, &i, &len);				/* options */
	do {						/* optional fields, "-" */
		if (i >= n)
			return -1;
		f = field(s, n, &i, &len);
	} while (!(len == 1 && f[0] == '-'));
	m->fstype = field(s, n, &i, &m->fstype_len);
	return m->fstype_len ? 0 : -1;
}
