/*
 * log.h: stderr logging in the style of OpenBSD's log.c.
 *
 * warn appends strerror(errno); warnx does not.  fatal/fatalx exit and are
 * for set-up only: once a loop runs it must not die.  LOG_RL rate-limits
 * one call site (a burst, then a count of what it held back), so a
 * failing probe cannot flood stderr.  Nothing here allocates.
 */
#pragma once
#include <stdint.h>

void log_init(const char *progname, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* One call site's budget: LOG_RL_BURST lines per LOG_RL_WINDOW_NS. */
struct log_rl {
	uint64_t start;
	unsigned n;
	unsigned held;
};

/* 1 when the site may log now; reports lines held back in the last window. */
int log_rl_allow(struct log_rl *rl);

#define LOG_RL(fn, ...) do {					\
	static struct log_rl rl_;				\
	if (log_rl_allow(&rl_))					\
		fn(__VA_ARGS__);				\
} while (0)
