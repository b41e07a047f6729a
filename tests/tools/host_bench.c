/*
 * host_bench.c: decode+JSON throughput of the receiver on one core.
 *
 * Builds a stream in memory first (a hello, then a mix of process.spawned,
 * process.exec with argv, process.exited, fs, net and heartbeat frames,
 * seq in order, encoded by our encoder), then times the receiver's
 * connection path over it (conn.c -> recv.c -> JSON lines -> write(2) to
 * /dev/null) in reads of 64 KiB, as the loop does.  Prints frames/s and
 * MB/s of input on CPU time (CLOCK_PROCESS_CPUTIME_ID).  A measurement,
 * not a test: make check builds it, never runs it.
 *
 * With a POLICY file, the cell is judged by it (bench/policy.py: its
 * throughput with 100 rules against none); the violations it made are
 * printed too.
 *
 * Usage: host_bench [FRAMES [POLICY]]   (default 1000000, no policy)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/recv.h"
#include "wire/frame.h"

static struct host h;
static struct host_cell cell;
static struct hconn conn;
static char outbuf[HOST_OUT_BUF];
static struct event ev;
static struct pol_src pol;

/* Frame number i of the stream (seq i). */
static void make(uint64_t i)
{
	static const char argv[] = "/usr/bin/python3\0-c\0print('hello')";
	static const int kinds[] = { PS_PROCESS_SPAWNED, PS_PROCESS_EXEC,
		PS_PROCESS_EXITED, PS_FS_INOTIFY_FIRED, PS_NET_CONNECT_ATTEMPTED,
		PS_PROCESS_SPAWNED, PS_PROCESS_EXITED, PS_AGENT_HEARTBEAT };
	int k = i == 0 ? PS_AGENT_HELLO : kinds[i % 8];

	event_init(&ev, k, 1000 + (uint32_t)(i % 50000), 5000000000u + i * 1000);
	event_set_text(&ev, EVK_GUEST_COMM, "python3", 7);
	event_set_uint(&ev, EVK_SEQ, i);
	if (k == PS_AGENT_HELLO) {
		event_set_text(&ev, EVK_BOOT_ID, "bench-boot", 10);
		event_set_uint(&ev, EVK_SESSION, 1);
		event_set_uint(&ev, EVK_RESUME_SEQ, 1);
	} else if (k == PS_PROCESS_EXEC) {
		event_set_uint(&ev, EVK_PPID, 999);
		event_set_text(&ev, EVK_EXE, "/usr/bin/python3.11", 19);
		event_set_text(&ev, EVK_ARGV, argv, sizeof(argv) - 1);
		event_set_uint(&ev, EVK_ARGC, 3);
	} else if (k == PS_FS_INOTIFY_FIRED) {
		event_set_text(&ev, EVK_PATH, "/var/lib/app", 12);
		event_set_text(&ev, EVK_NAME, "state.db", 8);
		event_set_uint(&ev, EVK_MASK, 2);
	} else if (k == PS_NET_CONNECT_ATTEMPTED) {
		event_set_text(&ev, EVK_PROTO, "tcp", 3);
		event_set_text(&ev, EVK_DST, "10.0.0.1:443", 12);
	} else if (k == PS_AGENT_HEARTBEAT) {
		event_set_uint(&ev, EVK_EMITTED, i);
		event_map_uint(&ev, EVK_DROPPED, "ring_overwrite", 0);
	} else {
		event_set_uint(&ev, EVK_PPID, 999);
		event_set_uint(&ev, EVK_START_NS, 4000000000u);
	}
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000, i;
	size_t len = 0, off, chunk;
	uint8_t *s = malloc((size_t)n * 400);
	int fd = open("/dev/null", O_WRONLY), k;
	double t0, t;

	if (!s || fd < 0)
		return 1;
	for (i = 0; i < n; i++) {
		make(i);
		if ((k = frame_encode(&ev, WIRE_EXTENDED, s + len, 400)) < 0)
			return 1;
		len += (size_t)k;
	}
	if (argc > 2) {
		char err[512];

		pol.path = argv[2];
		if (policy_load(&pol.cur, argv[2], err, sizeof(err)) != 0 ||
		    !(cell.pol = cellpol_new(&pol))) {
			fprintf(stderr, "host_bench: %s\n", err);
			return 2;
		}
	}
	strcpy(cell.id, "bench");
	h.cells = &cell;
	h.ncells = 1;
	h.run_id = "bench";
	strcpy(h.nonce, "0123456789abcdef");
	ka_init(&h.ka, 10000000000u);
	out_init(&h.out, fd, outbuf, sizeof(outbuf), NULL);
	recv_clock(&h);
	recv_open(&h, &conn, &cell, -1);
	t0 = cpu_now();
	for (off = 0; off < len; off += chunk) {
		chunk = len - off < HOST_READ_CHUNK ? len - off : HOST_READ_CHUNK;
		recv_clock(&h);
		recv_bytes(&h, &conn, s + off, chunk);
		out_flush(&h.out);		/* as the loop does per pass */
	}
	t = cpu_now() - t0;
	printf("%llu frames, %zu bytes in, %llu lines, %llu bytes out, "
	       "%.3f s CPU: %.0f frames/s, %.1f MB/s in",
	       (unsigned long long)n, len, (unsigned long long)h.out.lines,
	       (unsigned long long)h.out.bytes, t, (double)n / t,
	       (double)len / t / 1e6);
	if (cell.pol)
		printf("; policy %u rules, %llu violations",
		       pol.cur.nrules, (unsigned long long)cell.pol->violations);
	printf("\n");
	return h.out.lines == n + (cell.pol ? cell.pol->violations : 0) ? 0 : 1;
}
