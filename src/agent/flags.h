/*
 * flags.h: the agent's command line scanned the way getopt_long does it
 * with a leading '+' (options end at the first operand or at "--").
 *
 * musl's getopt_long writes its messages through stdio, which the agent
 * otherwise does without; this is the subset the agent uses: short flags
 * without arguments (clustered, "-fv"), long options by name or by a
 * prefix as glibc takes one, "--name=value" or "--name value".  Messages go to
 * stderr through log.h.  Pure over argv: the tests feed it.
 */
#pragma once
#include <getopt.h>

struct flags {
	int ind;		/* next argv element, as optind */
	const char *arg;	/* the value of the last option, as optarg */
	const char *cluster;	/* the rest of a "-fv" cluster */
};

void flags_init(struct flags *f);
/* The next option: its short letter or the long entry's val (*idx its
 * index), -1 at the end (f->ind the first operand), '?' after a message
 * for an unknown option, a missing or an unwanted value. */
int flags_next(struct flags *f, int argc, char *const argv[],
	       const char *shorts, const struct option *longs, int *idx);
