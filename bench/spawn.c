/*
 * spawn.c: fork + exec /bin/true, N times, as fast as one process can,
 * waiting for each child.  Prints the rate; with -p FILE also writes every
 * child's pid and exit status (one "pid status" line each), which the
 * capture benchmark compares with what each agent reported.
 *
 * usage: spawn [-p FILE] N
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lib/clock.h"

int main(int argc, char **argv)
{
	char *const targv[] = { "true", NULL };
	FILE *pf = NULL;
	long n, i;
	uint64_t t0, dt;
	pid_t pid;
	int st, opt;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p' || !(pf = fopen(optarg, "w"))) {
			fprintf(stderr, "usage: spawn [-p FILE] N\n");
			return 2;
		}
	}
	if (optind != argc - 1 || (n = atol(argv[optind])) <= 0) {
		fprintf(stderr, "usage: spawn [-p FILE] N\n");
		return 2;
	}
	t0 = clock_mono_ns();
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0) {
			execv("/bin/true", targv);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return perror("spawn"), 1;
		if (pf)
			fprintf(pf, "%d %d\n", (int)pid, st);
	}
	dt = clock_mono_ns() - t0;
	if (pf)
		fclose(pf);
	printf("%ld spawns in %.3f s: %.0f processes/s\n", n, dt / 1e9,
	       n / (dt / 1e9));
	return 0;
}
