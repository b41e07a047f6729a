/*
 * json.c: the JSON writer of json.h.  The string escaper copies runs of
 * plain bytes with one memcpy and writes short escapes for the rest.
 */
#include <string.h>
#include "json.h"

void json_init(struct json_buf *j, char *p, size_t cap)
{
	j->p = p;
	j->cap = cap;
	j->len = 0;
	j->err = 0;
	j->depth = 0;
	j->count[0] = 0;
}

void json_raw(struct json_buf *j, const char *s, size_t n)
{
	if (j->err || n > j->cap - j->len) {
		j->err = 1;
		return;
	}
	memcpy(j->p + j->len, s, n);
	j->len += n;
}

/* Count one member or element at the current depth; comma if not first. */
static void sep(struct json_buf *j)
{
	if (j->count[j->depth])
		json_raw(j, ",", 1);
	j->count[j->depth] = 1;
}

void json_open(struct json_buf *j, char c)
{
	json_raw(j, &c, 1);
	if (j->depth + 1 >= JSON_DEPTH) {
		j->err = 1;
		return;
	}
	j->count[++j->depth] = 0;
}

void json_close(struct json_buf *j, char c)
{
	json_raw(j, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void json_elem(struct json_buf *j)
{
	sep(j);
}

/* The escape for byte c, or NULL when it is copied as is. */
static const char *escape(unsigned char c, char tmp[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default:
		if (c >= 0x20)
			return NULL;
		memcpy(tmp, "\\u00", 4);
		tmp[4] = hex[c >> 4];
		tmp[5] = hex[c & 15];
		tmp[6] = 0;
		return tmp;
	}
}

void json_str(struct json_buf *j, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *e;
	char tmp[7];

	json_raw(j, "\"", 1);
	for (i = 0; i < n; i++) {
		e = escape((unsigned char)s[i], tmp);
		if (!e)
			continue;
		json_raw(j, s + run, i - run);
		json_raw(j, e, strlen(e));
		run = i + 1;
	}
	json_raw(j, s + run, n - run);
	json_raw(j, "\"", 1);
}

size_t json_str_len(const char *s, size_t n)
{
	size_t len = 2, i;
	const char *e;
	char tmp[7];

	for (i = 0; i < n; i++)
		len += (e = escape((unsigned char)s[i], tmp)) ? strlen(e) : 1;
	return len;
}

size_t json_room(const struct json_buf *j)
{
	return j->err ? 0 : j->cap - j->len;
}

void json_uint(struct json_buf *j, uint64_t v)
{
	char tmp[20];
	size_t n = sizeof(tmp);

	do
		tmp[--n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	json_raw(j, tmp + n, sizeof(tmp) - n);
}

void json_key(struct json_buf *j, const char *k)
{
	sep(j);
	json_str(j, k, strlen(k));
	json_raw(j, ":", 1);
}

void json_kv_str(struct json_buf *j, const char *k, const char *s, size_t n)
{
	json_key(j, k);
	json_str(j, s, n);
}

void json_kv_cstr(struct json_buf *j, const char *k, const char *s)
{
	json_kv_str(j, k, s, strlen(s));
}

void json_kv_uint(struct json_buf *j, const char *k, uint64_t v)
{
	json_key(j, k);
	json_uint(j, v);
}
