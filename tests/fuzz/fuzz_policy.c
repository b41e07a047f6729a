/*
 * fuzz_policy.c: libFuzzer target on the host's policy parser
 * (policy_parse) and matcher (policy_match).
 *
 * The input is a rule file, then optionally a NUL and values, one a line,
 * each judged under every kind.  Any input: no crash, no read out of
 * bounds, no blow-up (libFuzzer's timeout).  A file that parses has
 * rules inside every bound, each with 1 to POLICY_PATS_MAX patterns and
 * its text inside the file; one that does not has one error line that
 * starts "f:LINE:COLUMN: ".  A match names a rule of the kind asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const struct policy *p, size_t n)
{
	unsigned i, k, total = 0;

	if (p->nrules > POLICY_RULES_MAX)
		abort();
	for (i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (r->npats < 1 || r->npats > POLICY_PATS_MAX ||
		    r->kind >= POL_NKINDS || r->text < p->store ||
		    r->text + r->text_len > p->store + n || r->line < 1)
			abort();
	}
	for (k = 0; k < POL_NKINDS; k++)
		total += p->nbykind[k];
	if (total != p->nrules)
		abort();
}

static void check_error(const char *err)
{
	unsigned line, col;
	int used = 0;

	if (!memchr(err, 0, 512) ||
	    sscanf(err, "f:%u:%u: %n", &line, &col, &used) != 2 || !used ||
	    line < 1 || col < 1 || col > POLICY_LINE_MAX + 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *z = memchr(data, 0, size);
	size_t n = z ? (size_t)(z - data) : size, a, b;
	struct policy p;
	char err[512];
	int k, r;

	if (policy_parse(&p, "f", data, n, err, sizeof(err)) != 0) {
		check_error(err);
		return 0;
	}
	check_rules(&p, n);
	for (a = n + 1; z && a <= size; a = b + 1) {
		const char *v = (const char *)data + a;

		for (b = a; b < size && data[b] != '\n'; b++)
			;
		for (k = 0; k < POL_NKINDS; k++) {
			r = policy_match(&p, k, v, b - a);
			if (r >= (int)p.nrules || (r >= 0 && p.rules[r].kind != k))
				abort();
		}
	}
	policy_free(&p);
	return 0;
}
