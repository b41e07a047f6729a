/*
 * net_ringbuf.h: user-space consumer of a BPF_MAP_TYPE_RINGBUF map.
 *
 * The map is mapped twice: the consumer page read-write (we publish our
 * position there) and the producer page plus the data pages read-only
 * (the kernel maps the data twice in a row, so a record that wraps is
 * still contiguous).  ringbuf_walk is the pure part: it walks record
 * headers over bytes and is what the fuzzer drives.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct ringbuf {
	int fd;
	size_t size;		/* data bytes: a power of two, page multiple */
	size_t page;
	void *cons_map;		/* consumer page */
	void *prod_map;		/* producer page + 2 x data */
	uint64_t errors;	/* corrupt headers (the walk skipped to the end) */
	uint64_t backlog;	/* bytes waiting when the last consume began */
};

/* Called for each committed record: its payload and length. */
typedef void ringbuf_fn(void *ctx, const uint8_t *rec, uint32_t len);

/* Positions of one walk: cons moves forward, bad says a header was
 * impossible (a length beyond the ring or past prod). */
struct ringbuf_span {
	uint64_t cons;
	uint64_t prod;
	int bad;
};

/* Walk records from sp->cons up to sp->prod over data (size bytes, a
 * power of two; readable for 2 x size bytes like the kernel's mapping).
 * At most max records are passed to fn; discarded ones are skipped; the
 * walk stops at a record still being written (busy bit) or at a bad
 * header.  Returns the records passed to fn.  Pure. */
unsigned ringbuf_walk(const uint8_t *data, size_t size,
		      struct ringbuf_span *sp, unsigned max, ringbuf_fn *fn,
		      void *ctx);

/* Map the ring buffer map fd of size data bytes.  0 or -1 (errno). */
int ringbuf_open(struct ringbuf *rb, int map_fd, size_t size);
/* Hand at most max records to fn and release their space to the kernel.
 * Returns the number of records handed out. */
unsigned ringbuf_consume(struct ringbuf *rb, unsigned max, ringbuf_fn *fn,
			 void *ctx);
/* Unmap.  Does not close the map fd. */
void ringbuf_close(struct ringbuf *rb);
