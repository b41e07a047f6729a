/*
 * fuzz_reader.c: libFuzzer target on the receiver's connection path:
 * stream in, JSON lines out (conn.c -> recv.c -> stamp.c, gclock.c,
 * emit.c, model.c, block.c, message.c, ce.c, json.c), as the receiver runs
 * it on a socket, with a small process model (8 instances, so eviction and
 * the string store's limits are reached) and ancestors.
 *
 * Checks, for any input: no crash or out-of-bounds access; every line is
 * one JSON object on one line, valid UTF-8, with no raw control byte; no
 * line was too long to format; and the output does not depend on how the
 * stream was cut into reads (whole, then in chunks whose sizes come from
 * the input itself).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/recv.h"
#include "wire/utf8.h"

static struct host h;
static struct host_cell cell;
static struct hconn conn;
static struct model model;
/* Room for every line of one run, as got[] has: with the receiver's own
 * HOST_OUT_BUF, a run fed in one read whose lines overflow it flushes
 * them to /dev/null before take() sees them, and the runs then differ. */
static char outbuf[1 << 22];
static char got[2][1 << 22];
static size_t gotlen[2];
static int devnull = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check and keep the lines made so far, then empty the buffer. */
static void take(int run)
{
	const char *p = h.out.buf, *end = p + h.out.len, *nl;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl - p < 2 || p[0] != '{' || nl[-1] != '}' ||
		    !utf8_valid((const uint8_t *)p, (size_t)(nl - p)))
			abort();
		for (const char *q = p; q < nl; q++)
			if ((unsigned char)*q < 0x20)
				abort();
	}
	if (gotlen[run] + h.out.len <= sizeof(got[run]))
		memcpy(got[run] + gotlen[run], h.out.buf, h.out.len);
	gotlen[run] += h.out.len;
	out_flush(&h.out);
}

/* One fresh receiver with one connection. */
static void start(void)
{
	memset(&cell, 0, sizeof(cell));
	strcpy(cell.id, "fuzz");
	cell.lfd = -1;
	h.cells = &cell;
	h.ncells = 1;
	h.run_id = "run";
	strcpy(h.nonce, "0123456789abcdef");
	h.keepalive_ms = 1000;
	h.ancestors = 4;
	if (!model.cap && model_init(&model, 8) < 0)
		abort();
	model_reset(&model);
	cell.model = &model;
	ka_init(&h.ka, NS_PER_SEC);
	out_init(&h.out, devnull, outbuf, sizeof(outbuf), NULL);
	h.now_real = 1700000000000000000ull;
	h.now_mono = 1;
	ce_time(h.now, h.now_real);
	recv_open(&h, &conn, &cell, -1);
}

/* Feed data as reads of the sizes chunk() picks; run 0 is one read. */
static void run(int r, const uint8_t *data, size_t size)
{
	size_t off = 0, n;
	unsigned k = 0;

	start();
	gotlen[r] = 0;
	while (off < size) {
		n = r == 0 ? size - off : 1 + (size_t)data[k++ % size] % 64;
		if (n > size - off)
			n = size - off;
		if (recv_bytes(&h, &conn, data + off, n) < 0)
			break;
		take(r);
		off += n;
	}
	recv_close(&h, &conn);
	take(r);
	if (h.out.overflow)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (devnull < 0 && (devnull = open("/dev/null", O_WRONLY)) < 0)
		abort();
	run(0, data, size);
	run(1, data, size);
	if (gotlen[0] != gotlen[1] ||
	    (gotlen[0] <= sizeof(got[0]) &&
	     memcmp(got[0], got[1], gotlen[0]) != 0))
		abort();
	return 0;
}
