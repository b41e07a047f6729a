/*
 * fsloop.c: the file workload of bench/fscost.py: N times open (created
 * the first time) + write 64 bytes at offset 0 + close, over 256 file
 * names in DIR in turn, so the kernel has distinct files to report (and
 * fanotify cannot merge every record into one).  No O_TRUNC: ext4 flushes
 * a file truncated and rewritten at its close (auto_da_alloc), which
 * would measure the disk.
 *
 * usage: fsloop DIR N      prints ns per open+write+close
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/clock.h"

#define NAMES 256

int main(int argc, char **argv)
{
	static const char data[64] = "sixty-four bytes of a file that is written";
	char path[4096];
	long n, i;
	uint64_t t0, dt;
	int fd;

	if (argc != 3 || (n = atol(argv[2])) <= 0 ||
	    strlen(argv[1]) > sizeof(path) - 16) {
		fprintf(stderr, "usage: fsloop DIR N\n");
		return 2;
	}
	t0 = clock_mono_ns();
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%03ld", argv[1], i % NAMES);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return perror(path), 1;
		if (pwrite(fd, data, sizeof(data), 0) != (ssize_t)sizeof(data))
			return perror("write"), 1;
		close(fd);
	}
	dt = clock_mono_ns() - t0;
	printf("fsloop x%ld: %.1f ns each\n", n, (double)dt / (double)n);
	return 0;
}
