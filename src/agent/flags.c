/*
 * flags.c: getopt_long's "+" subset without stdio (flags.h).
 */
#include <string.h>
#include "flags.h"
#include "lib/log.h"

void flags_init(struct flags *f)
{
	f->ind = 1;
	f->arg = NULL;
	f->cluster = NULL;
}

/* Do two entries act alike (a prefix of both is not ambiguous)? */
static int alike(const struct option *a, const struct option *b)
{
	return a->has_arg == b->has_arg && a->flag == b->flag &&
	       a->val == b->val;
}

/* The entry a long name (n bytes) names: exactly, or the first it
 * begins when all it begins act alike (as glibc); -1 unknown, -2
 * ambiguous. */
static int find_long(const struct option *longs, const char *s, size_t n)
{
	int i, hit = -1, other = 0;

	for (i = 0; longs[i].name; i++) {
		if (strncmp(longs[i].name, s, n) != 0)
			continue;
		if (longs[i].name[n] == '\0')
			return i;
		if (hit == -1)
			hit = i;
		else if (!alike(&longs[hit], &longs[i]))
			other = 1;
	}
	return other ? -2 : hit;
}

/* argv[f->ind - 1] was "--name[=value]". */
static int long_opt(struct flags *f, int argc, char *const argv[],
		    const struct option *longs, int *idx)
{
	const char *s = argv[f->ind - 1] + 2, *eq = strchr(s, '=');
	size_t n = eq ? (size_t)(eq - s) : strlen(s);
	int i = find_long(longs, s, n);

	if (i < 0) {
		log_warnx("%s option '--%.*s'", i == -1 ? "unrecognized" :
			  "ambiguous", (int)n, s);
		return '?';
	}
	*idx = i;
	f->arg = eq ? eq + 1 : NULL;
	if (longs[i].has_arg == no_argument && eq) {
		log_warnx("option '--%s' doesn't allow an argument",
			  longs[i].name);
		return '?';
	}
	if (longs[i].has_arg == required_argument && !eq) {
		if (f->ind >= argc) {
			log_warnx("option '--%s' requires an argument",
				  longs[i].name);
			return '?';
		}
		f->arg = argv[f->ind++];
	}
	return longs[i].val;
}

int flags_next(struct flags *f, int argc, char *const argv[],
	       const char *shorts, const struct option *longs, int *idx)
{
	const char *a;
	char c;

	if (!f->cluster || !*f->cluster) {
		f->cluster = NULL;
		if (f->ind >= argc)
			return -1;
		a = argv[f->ind];
		if (a[0] != '-' || a[1] == '\0')
			return -1;		/* an operand: stop */
		f->ind++;
		if (strcmp(a, "--") == 0)
			return -1;
		if (a[1] == '-')
			return long_opt(f, argc, argv, longs, idx);
		f->cluster = a + 1;
	}
	c = *f->cluster++;
	f->arg = NULL;
	if (c == ':' || !strchr(shorts, c)) {
		log_warnx("invalid option -- '%c'", c);
		return '?';
	}
	return c;
}
