/*
 * fmt.h: the part of printf the agent uses, without stdio.
 *
 * musl's vfprintf is a tenth of the static agent (10.5 KiB, most of it
 * floating point the agent never prints), and stdio brings its buffers
 * and locks.  These take the conversions d i u x c s and %, the length
 * modifiers hh h l ll z j, and a precision (".N" or ".*") for s; no
 * flags, no width.  Anything else prints as '?', so a format this does
 * not know is visible, not undefined.  The compiler checks arguments
 * against the format as it does for printf.
 */
#pragma once
#include <stdarg.h>
#include <stddef.h>

/* Like vsnprintf: at most cap-1 bytes and a NUL (cap > 0); returns the
 * length the whole text has. */
int fmt_vstr(char *buf, size_t cap, const char *f, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_str(char *buf, size_t cap, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* Format and write(2) to fd, in pieces of a fixed buffer for a long
 * text; returns 0, or -1 when a write failed. */
int fmt_fd(int fd, const char *f, ...) __attribute__((format(printf, 2, 3)));
