/*
 * test_flags.c: the agent's command-line scanner (src/agent/flags.c)
 * against getopt_long with "+" on the same argv: the same options, values
 * and stopping place, and an error where getopt_long gives one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <cmocka.h>
#include "agent/flags.h"

static const struct option longs[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "connect", required_argument, NULL, 'L' },
	{ "coalesce-ms", required_argument, NULL, 'L' },
	{ "watch", required_argument, NULL, 'L' },
	{ "watch-mask", required_argument, NULL, 'L' },
	{ "cancel", no_argument, NULL, 'c' },
	{ NULL, 0, NULL, 0 }
};

/* "c:name=value" per option (or "?" for an error), then "|ind". */
static void scan(int argc, char **argv, int ours, char *out, size_t cap)
{
	struct flags f;
	int ch, idx = -1;
	size_t n = 0;

	flags_init(&f);
	optind = 0;			/* glibc: reinitialise */
	opterr = 0;
	for (;;) {
		const char *arg;

		ch = ours ? flags_next(&f, argc, argv, "fhVv", longs, &idx)
			  : getopt_long(argc, argv, "+fhVv", longs, &idx);
		if (ch == -1)
			break;
		arg = ours ? f.arg : optarg;
		if (ch == '?')
			n += (size_t)snprintf(out + n, cap - n, "? ");
		else if (ch == 'L')
			n += (size_t)snprintf(out + n, cap - n, "%s=%s ",
					      longs[idx].name, arg);
		else
			n += (size_t)snprintf(out + n, cap - n, "%c ", ch);
	}
	snprintf(out + n, cap - n, "|%d", ours ? f.ind : optind);
}

static void same(const char *line)
{
	char copy[512], *argv[32], want[512], got[512];
	int argc = 0;
	char *tok;

	snprintf(copy, sizeof(copy), "agent %s", line);
	for (tok = strtok(copy, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	scan(argc, argv, 0, want, sizeof(want));
	scan(argc, argv, 1, got, sizeof(got));
	if (strcmp(want, got) != 0)
		fail_msg("%s: getopt_long %s, flags %s", line, want, got);
}

static void as_getopt_long(void **state)
{
	(void)state;
	same("-f -v --connect unix:/x --watch /etc");
	same("-fvv --connect=unix:/x --watch-mask=open,access");
	same("--coal 5 --conn unix:/y");	/* unique prefixes */
	same("--watch /a operand --watch /b");	/* '+': stop at operand */
	same("-f -- --watch /a");
	same("-f - --watch /a");
	same("--help");
	same("--watch");			/* missing value */
	same("--help=yes");			/* unwanted value */
	same("--wat /x");			/* two alike: the first */
	same("--c x");				/* ambiguous */
	same("--nope -f");			/* unknown */
	same("-x -f");				/* unknown short */
	same("-fxv");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(as_getopt_long),
	};

	return cmocka_run_group_tests_name("flags", tests, NULL, NULL);
}
