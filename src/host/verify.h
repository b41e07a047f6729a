/*
 * verify.h: --verify: check every line of signed JSON Lines files.
 */
#pragma once
#include <stdio.h>
#include "sign.h"

/* Check each line of f (named name in messages); bad lines are reported
 * on stderr as NAME:LINE.  Adds to *good and *bad. */
void verify_stream(const struct sign_key *k, FILE *f, const char *name,
		   unsigned long *good, unsigned long *bad);
