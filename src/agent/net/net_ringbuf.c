/*
 * net_ringbuf.c: the BPF ring buffer consumer (mmap, walk, release).
 *
 * Ordering follows the kernel's contract: the producer position and each
 * record's length word are read with acquire loads; the consumer position
 * is published with a release store after the records are used.  Nothing
 * here allocates; the mappings are made once at set-up.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "net_ringbuf.h"

unsigned ringbuf_walk(const uint8_t *data, size_t size,
		      struct ringbuf_span *sp, unsigned max, ringbuf_fn *fn,
		      void *ctx)
{
	const uint32_t *hdr;
	uint32_t len, n;
	uint64_t total, cons = sp->cons, prod = sp->prod;
	unsigned done = 0;

	sp->bad = 0;
	while (cons < prod && done < max) {
		if (prod - cons < BPF_RINGBUF_HDR_SZ) {
			sp->bad = 1;
			break;
		}
		hdr = (const uint32_t *)(const void *)(data + (cons & (size - 1)));
		len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		n = len & ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		total = ((uint64_t)n + BPF_RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
		if (total > size || total > prod - cons) {
			sp->bad = 1;
			break;
		}
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			fn(ctx, (const uint8_t *)hdr + BPF_RINGBUF_HDR_SZ, n);
			done++;
		}
		cons += total;
	}
	sp->cons = cons;
	return done;
}

int ringbuf_open(struct ringbuf *rb, int map_fd, size_t size)
{
	long pg = sysconf(_SC_PAGESIZE);

	memset(rb, 0, sizeof(*rb));
	rb->fd = map_fd;
	rb->size = size;
	rb->page = pg > 0 ? (size_t)pg : 4096;
	if (size == 0 || (size & (size - 1)) || size % rb->page) {
		errno = EINVAL;
		return -1;
	}
	rb->cons_map = mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED,
			    map_fd, 0);
	if (rb->cons_map == MAP_FAILED)
		return -1;
	rb->prod_map = mmap(NULL, rb->page + 2 * size, PROT_READ, MAP_SHARED,
			    map_fd, (off_t)rb->page);
	if (rb->prod_map == MAP_FAILED) {
		munmap(rb->cons_map, rb->page);
		rb->cons_map = NULL;
		return -1;
	}
	return 0;
}

unsigned ringbuf_consume(struct ringbuf *rb, unsigned max, ringbuf_fn *fn,
			 void *ctx)
{
	uint64_t *consp = rb->cons_map;
	const uint8_t *data = (const uint8_t *)rb->prod_map + rb->page;
	struct ringbuf_span sp;
	unsigned n;

	sp.cons = __atomic_load_n(consp, __ATOMIC_RELAXED);
	sp.prod = __atomic_load_n((const uint64_t *)rb->prod_map,
				  __ATOMIC_ACQUIRE);
	rb->backlog = sp.prod - sp.cons;
	n = ringbuf_walk(data, rb->size, &sp, max, fn, ctx);
	if (sp.bad) {
		/* Cannot happen with a sane kernel: skip what we cannot read. */
		rb->errors++;
		sp.cons = sp.prod;
	}
	__atomic_store_n(consp, sp.cons, __ATOMIC_RELEASE);
	return n;
}

void ringbuf_close(struct ringbuf *rb)
{
	if (rb->prod_map && rb->prod_map != MAP_FAILED)
		munmap(rb->prod_map, rb->page + 2 * rb->size);
	if (rb->cons_map && rb->cons_map != MAP_FAILED)
		munmap(rb->cons_map, rb->page);
	rb->prod_map = rb->cons_map = NULL;
}
