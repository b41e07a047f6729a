/*
 * main.c: cellos-telemetry-host, the host receiver (thin for now: the host
 * issue brings the loop; this answers -h and -V so the build is whole).
 */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: cellos-telemetry-host [-hvV] --cell ID:PATH ...\n");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "-V") == 0) {
		printf("cellos-telemetry-host %s\n", VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	fprintf(stderr, "cellos-telemetry-host: the receiver is not built yet\n");
	return 2;
}
