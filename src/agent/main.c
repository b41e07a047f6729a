/*
 * main.c: cellos-telemetry, the in-guest agent (thin for now: the agent
 * issue brings the loop; this answers -h and -V so the build is whole).
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: cellos-telemetry [-fhvV]\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "-V") == 0) {
		printf("cellos-telemetry %s\n", VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	fprintf(stderr, "cellos-telemetry: the agent loop is not built yet\n");
	return 2;
}
