/*
 * drain.c: a fast frame sink for measuring the agent's throughput.
 *
 *	drain [-o FILE] PATH
 *
 * Listens on the unix socket PATH, takes one connection, reads as fast as
 * it can and walks the length prefixes to count frames.  The first burst
 * is measured: from the first byte until the stream has been idle for
 * 200 ms.  At EOF it prints that burst (frames, bytes, seconds, frames/s)
 * and the total.  It decodes nothing: a measuring tool, not a test.
 * With -o it also writes every byte it read to FILE (a recorded stream
 * for bench/replay).
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "lib/clock.h"

#define IDLE_MS 200

static uint8_t buf[1 << 20];

struct count {
	uint64_t frames, bytes;
	size_t have;
};

/* Count the whole frames in buf; keep a partial one for the next read. */
static void walk(struct count *c)
{
	size_t off, body;

	for (off = 0; c->have - off >= 4; off += 4 + body) {
		body = (size_t)buf[off] | (size_t)buf[off + 1] << 8 |
		       (size_t)buf[off + 2] << 16;
		if (c->have - off - 4 < body)
			break;
		c->frames++;
	}
	memmove(buf, buf + off, c->have - off);
	c->have -= off;
}

int main(int argc, char **argv)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct count c = { 0 }, burst = { 0 };
	uint64_t t0 = 0, tlast = 0, tburst = 0;
	struct pollfd p;
	int ls, fd, rec = -1;
	ssize_t n;
	double s;

	if (argc == 4 && strcmp(argv[1], "-o") == 0) {
		rec = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rec < 0)
			return perror(argv[2]), 1;
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || strlen(argv[1]) >= sizeof(un.sun_path)) {
		fprintf(stderr, "usage: drain [-o FILE] PATH\n");
		return 2;
	}
	strcpy(un.sun_path, argv[1]);
	unlink(argv[1]);
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&un, sizeof(un)) < 0 ||
	    listen(ls, 1) < 0 || (fd = accept(ls, NULL, NULL)) < 0) {
		perror("drain");
		return 1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		if (!tburst && t0 && poll(&p, 1, IDLE_MS) == 0) {
			tburst = tlast;		/* idle: the burst is over */
			burst = c;
		}
		n = read(fd, buf + c.have, sizeof(buf) - c.have);
		if (n <= 0)
			break;
		if (rec >= 0 && write(rec, buf + c.have, (size_t)n) != n)
			return perror("drain: -o"), 1;
		tlast = clock_mono_ns();
		t0 = t0 ? t0 : tlast;
		c.bytes += (uint64_t)n;
		c.have += (size_t)n;
		walk(&c);
	}
	if (!tburst) {
		tburst = tlast;
		burst = c;
	}
	s = (double)(tburst - t0) / 1e9;
	printf("burst: %llu frames, %llu bytes in %.3f s: %.0f frames/s, "
	       "%.1f MB/s\n", (unsigned long long)burst.frames,
	       (unsigned long long)burst.bytes, s,
	       s > 0 ? (double)burst.frames / s : 0.0,
	       s > 0 ? (double)burst.bytes / s / 1e6 : 0.0);
	printf("total: %llu frames, %llu bytes\n",
	       (unsigned long long)c.frames, (unsigned long long)c.bytes);
	return 0;
}
