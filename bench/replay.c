/*
 * replay.c: write a recorded frame stream (drain -o) into a unix stream
 * socket as fast as the reader takes it, so that the host receiver can be
 * timed alone, without an agent producing the frames.  Prints the bytes
 * written and the seconds from connect until the last write returned
 * (the reader may still hold up to a socket buffer then; bench/throughput.py
 * times the reader itself).
 *
 * usage: replay FILE PATH
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "lib/clock.h"
#include "lib/sys.h"

int main(int argc, char **argv)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct stat st;
	uint64_t t0;
	void *m;
	int in, fd;

	if (argc != 3 || strlen(argv[2]) >= sizeof(un.sun_path)) {
		fprintf(stderr, "usage: replay FILE PATH\n");
		return 2;
	}
	strcpy(un.sun_path, argv[2]);
	in = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0 || st.st_size == 0)
		return perror(argv[1]), 1;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, in, 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m == MAP_FAILED || fd < 0 ||
	    connect(fd, (struct sockaddr *)&un, sizeof(un)) < 0)
		return perror("replay"), 1;
	t0 = clock_mono_ns();
	if (sys_write_all(fd, m, (size_t)st.st_size) < 0)
		return perror("replay: write"), 1;
	printf("replayed %lld bytes in %.3f s\n", (long long)st.st_size,
	       (double)(clock_mono_ns() - t0) / 1e9);
	close(fd);
	return 0;
}
