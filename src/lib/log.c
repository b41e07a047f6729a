/*
 * log.c: the logging of log.h, to stderr, one line per call.
 *
 * Lines are formatted into a stack buffer and written with one write(2)
 * so concurrent writers do not interleave inside a line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "caps.h"
#include "clock.h"
#include "log.h"
#include "fmt.h"

static const char *prog = "cellos";
static int verbosity;

void log_init(const char *progname, int verbose)
{
	prog = progname;
	verbosity = verbose;
}

/* Format "prog: message[: strerror]\n" and write it in one go. */
__attribute__((format(printf, 3, 0)))
static void vlog(int with_errno, int err, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = fmt_str(buf, sizeof(buf), "%s: ", prog);

	n += fmt_vstr(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	if (n > (int)sizeof(buf) - 64)
		n = (int)sizeof(buf) - 64;
	if (with_errno)
		n += fmt_str(buf + n, sizeof(buf) - (size_t)n, ": %s",
			      strerror(err));
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, (size_t)n);
}

#define LOGFN(name, cond, we)				\
void name(const char *fmt, ...)				\
{							\
	int err = errno;				\
	va_list ap;					\
	if (!(cond))					\
		return;					\
	va_start(ap, fmt);				\
	vlog(we, err, fmt, ap);				\
	va_end(ap);					\
	errno = err;					\
}

LOGFN(log_warn, 1, 1)
LOGFN(log_warnx, 1, 0)
LOGFN(log_info, verbosity >= 1, 0)
LOGFN(log_debug, verbosity >= 2, 0)

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(1, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

int log_rl_allow(struct log_rl *rl)
{
	uint64_t now = clock_mono_ns();

	if (rl->start == 0 || now - rl->start >= LOG_RL_WINDOW_NS) {
		if (rl->held)
			log_warnx("(%u similar lines held back)", rl->held);
		rl->start = now;
		rl->n = 0;
		rl->held = 0;
	}
	if (rl->n < LOG_RL_BURST) {
		rl->n++;
		return 1;
	}
	rl->held++;
	return 0;
}
