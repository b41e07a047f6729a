/*
 * werr.c: names of the wire errors, exactly as doc/WIRE.md §3 spells them, so
 * counters, logs, test vectors and host output all use one vocabulary.
 */
#include <string.h>
#include "../lib/nitems.h"
#include "werr.h"

static const char *const names[] = {
	"Ok", "FrameTooLarge", "FrameTruncated", "ShortHeader",
	"UnexpectedEof", "UnsupportedMajor", "UnsupportedAdditional", "NotMap",
	"ContentVersionMustBeFirst", "UnsupportedContentVersion",
	"MissingField", "FieldType", "IntegerOverflow", "UnknownProbeSource",
	"InvalidUtf8", "DuplicateKey", "TrailingBytes", "NoSpace",
	"Unencodable",
};
#define NNAMES ((int)nitems(names))

const char *wire_errname(int err)
{
	return err <= 0 && -err < NNAMES ? names[-err] : "?";
}

int wire_errbyname(const char *name)
{
	int i;

	for (i = 1; i < NNAMES; i++)
		if (strcmp(names[i], name) == 0)
			return -i;
	return 0;
}
