/*
 * syscalls.c: the cost of a syscall-heavy loop, to compare with and
 * without a probe (BPF hooks, an audit rule) in the same benchmark run.
 *
 * usage: syscalls getppid|openclose N      prints ns per iteration
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/clock.h"

int main(int argc, char **argv)
{
	long n, i;
	uint64_t t0, dt;
	int fd, open_close;

	if (argc != 3 || (n = atol(argv[2])) <= 0 ||
	    (strcmp(argv[1], "getppid") && strcmp(argv[1], "openclose"))) {
		fprintf(stderr, "usage: syscalls getppid|openclose N\n");
		return 2;
	}
	open_close = strcmp(argv[1], "openclose") == 0;
	t0 = clock_mono_ns();
	for (i = 0; i < n; i++) {
		if (!open_close) {
			(void)getppid();
			continue;
		}
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return perror("open"), 1;
		close(fd);
	}
	dt = clock_mono_ns() - t0;
	printf("%s x%ld: %.1f ns each\n", argv[1], n, (double)dt / (double)n);
	return 0;
}
