/*
 * fmt.c: a small printf (fmt.h).
 *
 * One output routine, put(), appends a byte to a sink: a buffer that
 * counts past its end (fmt_v), or a buffer that is written to a file
 * descriptor each time it fills (fmt_fd).
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "fmt.h"

struct sink {
	char *buf;
	size_t cap, used;	/* used may pass cap: the text's length */
	int fd;			/* >= 0: flush to it when full */
	int failed;
};

static void flush(struct sink *s)
{
	size_t off = 0;
	ssize_t n;

	while (off < s->used) {
		n = write(s->fd, s->buf + off, s->used - off);
		if (n <= 0) {
			s->failed = 1;
			break;
		}
		off += (size_t)n;
	}
	s->used = 0;
}

static void put(struct sink *s, char c)
{
	if (s->fd >= 0 && s->used == s->cap)
		flush(s);
	if (s->used < s->cap)
		s->buf[s->used] = c;
	s->used++;
}

static void put_str(struct sink *s, const char *p, size_t max)
{
	if (!p)
		p = "(null)";
	while (max-- && *p)
		put(s, *p++);
}

/* v in base 10 or 16, with a '-' first when neg. */
static void put_num(struct sink *s, uintmax_t v, unsigned base, int neg)
{
	char d[24];
	size_t n = 0;

	do {
		d[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		put(s, '-');
	while (n)
		put(s, d[--n]);
}

/* The length modifier at *f (hh h l ll z j), moved past: 0 int, 1 long,
 * 2 long long, 3 size_t, 4 intmax_t. */
static int length(const char **f)
{
	int len = 0;

	if (**f == 'h') {
		*f += (*f)[1] == 'h' ? 2 : 1;
	} else if (**f == 'l') {
		len = (*f)[1] == 'l' ? 2 : 1;
		*f += len;
	} else if (**f == 'z' || **f == 'j') {
		len = **f == 'z' ? 3 : 4;
		(*f)++;
	}
	return len;
}

static intmax_t get_signed(va_list *ap, int len)
{
	switch (len) {
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (intmax_t)va_arg(*ap, size_t);
	case 4: return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

static uintmax_t get_unsigned(va_list *ap, int len)
{
	switch (len) {
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	case 4: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned);
	}
}

/* One conversion at f (just past '%'); returns what follows it. */
static const char *convert(struct sink *s, const char *f, va_list *ap)
{
	size_t prec = (size_t)-1;
	intmax_t v;
	int len;

	if (*f == '.') {
		if (*++f == '*') {
			int p = va_arg(*ap, int);

			prec = p < 0 ? (size_t)-1 : (size_t)p;
			f++;
		} else {
			for (prec = 0; *f >= '0' && *f <= '9'; f++)
				prec = prec * 10 + (size_t)(*f - '0');
		}
	}
	len = length(&f);
	switch (*f) {
	case 'd': case 'i':
		v = get_signed(ap, len);
		put_num(s, v < 0 ? -(uintmax_t)v : (uintmax_t)v, 10, v < 0);
		break;
	case 'u': put_num(s, get_unsigned(ap, len), 10, 0); break;
	case 'x': put_num(s, get_unsigned(ap, len), 16, 0); break;
	case 'c': put(s, (char)va_arg(*ap, int)); break;
	case 's': put_str(s, va_arg(*ap, const char *), prec); break;
	case '%': put(s, '%'); break;
	default:
		put(s, '?');
		if (!*f)
			return f;
	}
	return f + 1;
}

static void run(struct sink *s, const char *f, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	while (*f) {
		if (*f != '%')
			put(s, *f++);
		else
			f = convert(s, f + 1, &aq);
	}
	va_end(aq);
}

int fmt_vstr(char *buf, size_t cap, const char *f, va_list ap)
{
	struct sink s = { buf, cap ? cap - 1 : 0, 0, -1, 0 };

	run(&s, f, ap);
	if (cap)
		buf[s.used < s.cap ? s.used : s.cap] = '\0';
	return (int)s.used;
}

int fmt_str(char *buf, size_t cap, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vstr(buf, cap, f, ap);
	va_end(ap);
	return n;
}

int fmt_fd(int fd, const char *f, ...)
{
	char buf[512];
	struct sink s = { buf, sizeof(buf), 0, fd, 0 };
	va_list ap;

	va_start(ap, f);
	run(&s, f, ap);
	va_end(ap);
	flush(&s);
	return s.failed ? -1 : 0;
}
