/*
 * verify.c: read lines (any length: getline) and check each signature
 * with sign_verify.  It does not parse the JSON beyond the signature
 * suffix that sign.h defines.
 */
#include <stdlib.h>
#include <sys/types.h>
#include "lib/log.h"
#include "verify.h"

void verify_stream(const struct sign_key *k, FILE *f, const char *name,
		   unsigned long *good, unsigned long *bad)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long no = 0;

	while ((n = getline(&line, &cap, f)) >= 0) {
		no++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (sign_verify(k, line, (size_t)n) == 0) {
			(*good)++;
		} else {
			(*bad)++;
			log_warnx("%s:%lu: bad signature", name, no);
		}
	}
	free(line);
}
