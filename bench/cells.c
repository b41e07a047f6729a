/*
 * cells.c: the scale benchmark's driver: N agent-like clients, one per
 * cell of one cellos-telemetry-host, and the reader of that host's output.
 *
 * Each client connects to DIR/cK.sock, says agent.hello, then sends
 * frames (our frame_encode, seq 0, 1, ...) at RATE per second: a cell's
 * life in cycles of four, process.spawned (a new pid, parent the cell's
 * shell), process.exec (python3 with one of 64 argvs), one
 * net.connect_attempted and process.exited, with an agent.heartbeat once
 * a second, so the host's process model does its real work: an instance
 * per cycle, interned strings, lookups, evictions once a cell's table is
 * full.  guest_monotonic_ns is the time an event was DUE, not when it
 * was written: a driver that falls behind shows up as latency, not as a
 * slower clock.  A client whose socket is full keeps its unsent bytes and
 * makes no new frames until they are gone (nothing is skipped: seq stays
 * whole, so any gap the host reports is real).
 *
 * Standard input is the host's JSON Lines output (a fifo): for every
 * guest event line, latency = host_received_at (realtime, us) minus the
 * guest stamp moved to realtime by the offset measured at start (same
 * machine, same clocks).  Prints one line of key=value figures.  Single
 * threaded, no timing assertions: it measures what it gets.
 *
 * usage: cells [-n CELLS] [-r RATE] [-t SECONDS] DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "lib/clock.h"
#include "wire/frame.h"

#define MAXCELLS	1024
#define BATCH		64		/* frames per write at most */
#define PEND		(BATCH * 256)	/* unsent bytes a client keeps */
#define HIST_US		10000000	/* latency histogram: 1 us bins, 10 s */
#define QUIET_NS	2000000000ull	/* output idle this long: done */

struct client {
	int fd;
	uint64_t seq;			/* next seq (= frames made so far) */
	size_t pend, off;		/* unsent bytes in buf[off..pend) */
	uint8_t buf[PEND];
};

static struct client cl[MAXCELLS];
static uint32_t hist[HIST_US + 1];
static char line[1 << 20];
static size_t have;
static uint64_t lines, events, gaps_lines, gap_seqs, lat_n, lat_max;
static int64_t offset;			/* realtime - monotonic, ns */
static time_t day0;			/* cached date of host_received_at */
static char day0s[11];

/* realtime minus monotonic, ns: the tightest of 20 readings. */
static int64_t mono_to_real(void)
{
	uint64_t a, r, b, win = UINT64_MAX;
	int64_t best = 0;
	int i;

	for (i = 0; i < 20; i++) {
		a = clock_mono_ns();
		r = clock_real_ns();
		b = clock_mono_ns();
		if (b - a < win) {
			win = b - a;
			best = (int64_t)(r - a - (b - a) / 2);
		}
	}
	return best;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" to realtime ns; 0 if malformed. */
static uint64_t rfc3339_ns(const char *s)
{
	struct tm tm = { 0 };
	unsigned hh, mm, ss, us;

	if (memcmp(s, day0s, 10) != 0) {
		if (sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
			return 0;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		day0 = timegm(&tm);
		memcpy(day0s, s, 10);
	}
	if (sscanf(s + 11, "%2u:%2u:%2u.%6u", &hh, &mm, &ss, &us) != 4)
		return 0;
	return ((uint64_t)day0 + hh * 3600u + mm * 60u + ss) * 1000000000ull +
	       us * 1000ull;
}

/* One line of host output.  Lines are long (a message, process blocks):
 * each key is looked for from where the one before it was found, and the
 * kind comes from `type`, so a line is scanned about once. */
static void take_line(const char *s)
{
	static const char ce[] = "\"type\":\"dev.cellos.events.cell."
		"observability.guest.v1.";
	const char *ty = strstr(s, ce), *r, *g;
	uint64_t recv, mono, us;

	lines++;
	if (!ty)
		return;
	ty += sizeof(ce) - 1;
	if (!strncmp(ty, "telemetry_dropped\"", 18)) {
		gaps_lines++;
		g = strstr(ty, "\"count\":");
		gap_seqs += g ? strtoull(g + 8, NULL, 10) : 0;
		return;
	}
	if (!strncmp(ty, "agent_h", 7))
		return;				/* hello, heartbeat */
	r = strstr(ty, "\"host_received_at\":\"");
	g = r ? strstr(r, "\"guest_monotonic_ns\":") : NULL;
	if (!g)
		return;
	events++;
	recv = rfc3339_ns(r + 20);
	mono = strtoull(g + 21, NULL, 10);
	if (!recv)
		return;
	us = recv > mono + (uint64_t)offset ? (recv - mono - (uint64_t)offset) / 1000 : 0;
	hist[us < HIST_US ? us : HIST_US]++;
	lat_max = us > lat_max ? us : lat_max;
	lat_n++;
}

/* Read what the host wrote so far; returns bytes read. */
static size_t read_out(void)
{
	size_t got = 0, i, start;
	char *nl;
	ssize_t n;

	while ((n = read(0, line + have, sizeof(line) - 1 - have)) > 0) {
		got += (size_t)n;
		have += (size_t)n;
		for (start = 0; (nl = memchr(line + start, '\n', have - start));
		     start = i + 1) {
			i = (size_t)(nl - line);
			line[i] = 0;
			take_line(line + start);
		}
		memmove(line, line + start, have - start);
		have -= start;
		if (have == sizeof(line) - 1)
			have = 0;	/* a line longer than 1 MiB: not ours */
	}
	return got;
}

/* The event of step j of a cell's cycle (spawn, exec, connect, exit),
 * or a heartbeat every rate-th step: the frame's fields. */
static int cycle(struct event *ev, uint64_t j, uint64_t rate, uint64_t due)
{
	static const char *const what[] = { "python3\0-c\0job", "sh\0-c\0true" };
	uint32_t pid = 1000 + (uint32_t)(j / 4 % 30000);
	uint64_t start = due - j % 4 * NS_PER_MS;
	char argv[64];
	int n;

	if (rate && j % rate == rate - 1) {
		event_init(ev, PS_AGENT_HEARTBEAT, 7, due);
		event_set_uint(ev, EVK_INTERVAL_MS, 1000);
		return PS_AGENT_HEARTBEAT;
	}
	event_init(ev, PS_PROCESS_SPAWNED, pid, due);
	event_set_uint(ev, EVK_PPID, 100);
	event_set_uint(ev, EVK_START_NS, start);
	switch (j % 4) {
	case 1:
		ev->source = PS_PROCESS_EXEC;
		event_set_text(ev, EVK_EXE, "/usr/bin/python3", 16);
		n = snprintf(argv, sizeof(argv), "%s%c%u", what[j / 4 % 2], 0,
			     (unsigned)(j / 8 % 32));
		event_set_text(ev, EVK_ARGV, argv, (size_t)n);
		event_set_uint(ev, EVK_UID, 1000);
		break;
	case 2:
		ev->source = PS_NET_CONNECT_ATTEMPTED;
		event_set_text(ev, EVK_PROTO, "tcp", 3);
		event_set_text(ev, EVK_DST, "10.0.0.1:443", 12);
		break;
	case 3:
		ev->source = PS_PROCESS_EXITED;
		event_set_uint(ev, EVK_EXIT_CODE, 0);
		break;
	}
	return ev->source;
}

/* Append one frame to c's buffer. */
static void make(struct client *c, int src, uint64_t due, uint64_t rate)
{
	struct event ev;
	int n;

	if (src == PS_AGENT_HELLO) {
		event_init(&ev, src, 7, due);
		event_set_text(&ev, EVK_AGENT_VERSION, "bench", 5);
		event_set_text(&ev, EVK_BOOT_ID, "bench-boot", 10);
		event_set_uint(&ev, EVK_SESSION, 1);
		event_set_uint(&ev, EVK_RESUME_SEQ, 0);
	} else {
		cycle(&ev, c->seq, rate, due);
		event_set_uint(&ev, EVK_SEQ, c->seq);
	}
	event_set_text(&ev, EVK_GUEST_COMM, "bench", 5);
	n = frame_encode(&ev, WIRE_EXTENDED, c->buf + c->pend, PEND - c->pend);
	if (n <= 0) {
		fprintf(stderr, "cells: frame_encode: %d\n", n);
		exit(1);
	}
	c->pend += (size_t)n;
	c->seq += src != PS_AGENT_HELLO;
}

/* Write what c holds; 0 when it is all gone. */
static int flush(struct client *c)
{
	ssize_t n = write(c->fd, c->buf + c->off, c->pend - c->off);

	if (n > 0)
		c->off += (size_t)n;
	if (c->off == c->pend)
		c->off = c->pend = 0;
	return c->pend != 0;
}

static int dial(const char *dir, int k)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd, tries;

	snprintf(un.sun_path, sizeof(un.sun_path), "%s/c%d.sock", dir, k);
	for (tries = 0; tries < 2000; tries++) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		usleep(10000);
	}
	return -1;
}

/* Latency percentile p (0..1) in us. */
static uint64_t pct(double p)
{
	uint64_t want = (uint64_t)(p * (double)lat_n), acc = 0, i;

	for (i = 0; i <= HIST_US; i++) {
		acc += hist[i];
		if (acc > want)
			return i;
	}
	return HIST_US;
}

static void report(int n, uint64_t rate, double secs, double busy, uint64_t blocked,
		   double outsecs)
{
	uint64_t made = 0;
	int k;

	for (k = 0; k < n; k++)
		made += cl[k].seq;
	printf("cells=%d rate=%llu secs=%.3f offered_per_s=%.0f made=%llu "
	       "made_per_s=%.0f blocked_passes=%llu driver_busy=%.2f lines=%llu "
	       "events_out=%llu out_per_s=%.0f p50_us=%llu p99_us=%llu "
	       "p999_us=%llu max_us=%llu gap_lines=%llu gap_seqs=%llu\n",
	       n, (unsigned long long)rate, secs, (double)n * (double)rate,
	       (unsigned long long)made, (double)made / secs,
	       (unsigned long long)blocked, busy, (unsigned long long)lines,
	       (unsigned long long)events, (double)events / outsecs,
	       (unsigned long long)pct(0.5), (unsigned long long)pct(0.99),
	       (unsigned long long)pct(0.999), (unsigned long long)lat_max,
	       (unsigned long long)gaps_lines, (unsigned long long)gap_seqs);
}

/* Frames due for client k of n by now (staggered: k/n of a period). */
static uint64_t due_by(uint64_t el, uint64_t rate, int k, int n)
{
	double x = (double)el * (double)rate / 1e9 - (double)k / n;

	return x < 0 ? 0 : (uint64_t)x + 1;
}

/* Send for secs; returns passes that found a client still blocked. */
static uint64_t drive(int n, uint64_t rate, double secs, uint64_t t0, double *busy)
{
	uint64_t now, el, want, j, blocked = 0, idle_ns = 0, t;
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int k, made;

	while ((el = (now = clock_mono_ns()) - t0) < (uint64_t)(secs * 1e9)) {
		made = 0;
		for (k = 0; k < n; k++) {
			struct client *c = &cl[k];

			if (c->pend && flush(c)) {
				blocked++;
				continue;
			}
			want = due_by(el, rate, k, n);
			want = want < c->seq + BATCH ? want : c->seq + BATCH;
			for (j = c->seq; j < want; j = c->seq) {
				make(c, PS_PROCESS_SPAWNED, t0 + (uint64_t)(
				     ((double)j + (double)k / n) * 1e9 / (double)rate),
				     rate);
				made = 1;
			}
			if (c->pend)
				flush(c);
		}
		if (!read_out() && !made) {
			t = clock_mono_ns();
			poll(&p, 1, 1);
			idle_ns += clock_mono_ns() - t;
		}
	}
	*busy = 1.0 - (double)idle_ns / (secs * 1e9);
	return blocked;
}

int main(int argc, char **argv)
{
	uint64_t rate = 1000, t0, last_out;
	double secs = 10, busy;
	uint64_t blocked;
	int n = 1000, opt, k, pending;

	while ((opt = getopt(argc, argv, "n:r:t:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'r')
			rate = strtoull(optarg, NULL, 10);
		else if (opt == 't')
			secs = atof(optarg);
		else
			break;
	}
	if (optind != argc - 1 || n < 1 || n > MAXCELLS || !rate || secs <= 0) {
		fprintf(stderr, "usage: cells [-n CELLS] [-r RATE] [-t SECONDS] DIR\n");
		return 2;
	}
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	fcntl(0, F_SETPIPE_SZ, 1 << 20);
	for (k = 0; k < n; k++) {
		if ((cl[k].fd = dial(argv[optind], k)) < 0)
			return perror("cells: connect"), 1;
		make(&cl[k], PS_AGENT_HELLO, clock_mono_ns(), rate);
		flush(&cl[k]);
	}
	offset = mono_to_real();
	t0 = clock_mono_ns();
	blocked = drive(n, rate, secs, t0, &busy);
	/* drain: the rest of the clients' bytes, then the host's output */
	last_out = clock_mono_ns();
	do {
		for (pending = 0, k = 0; k < n; k++)
			pending |= cl[k].pend && flush(&cl[k]);
		if (read_out())
			last_out = clock_mono_ns();
		else
			usleep(1000);
	} while (pending || clock_mono_ns() - last_out < QUIET_NS);
	for (k = 0; k < n; k++)
		close(cl[k].fd);
	report(n, rate, secs, busy, blocked, (double)(last_out - t0) / 1e9);
	return 0;
}
