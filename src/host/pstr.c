/*
 * pstr.c: the chunked, interned string store of pstr.h.
 *
 * Chunk layout: bytes 0-1 the next chunk of the string (id, 0 last).  A
 * head chunk then has the next head of its hash chain (2 bytes), the
 * length (2), 16 bits of the hash (2) and the reference count (4), then
 * HEAD_DATA bytes of text; a chunk that follows has BODY_DATA bytes.
 */
#include <stdlib.h>
#include <string.h>
#include "lib/bytes.h"
#include "pstr.h"

#define HDR		12
#define HEAD_DATA	(PSTR_CHUNK - HDR)
#define BODY_DATA	(PSTR_CHUNK - 2)

static uint8_t *chunk(const struct pstr *s, uint16_t id)
{
	return s->mem + (size_t)(id - 1) * PSTR_CHUNK;
}

#define get16(p) ne16_get((p), 0)
#define put16(p, v) ne16_put((p), 0, (v))
#define get32(p) ne32_get((p), 0)
#define put32(p, v) ne32_put((p), 0, (v))

/* FNV-1a. */
static uint32_t hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

int pstr_init(struct pstr *s, unsigned n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	for (s->nbuckets = 1; s->nbuckets < n / 2; s->nbuckets <<= 1)
		;
	s->mem = calloc(n ? n : 1, PSTR_CHUNK);
	s->bucket = calloc(s->nbuckets, sizeof(*s->bucket));
	if (!s->mem || !s->bucket)
		return -1;
	pstr_clear(s);
	return 0;
}

void pstr_free(struct pstr *s)
{
	free(s->mem);
	free(s->bucket);
	memset(s, 0, sizeof(*s));
}

void pstr_clear(struct pstr *s)
{
	unsigned i;

	memset(s->bucket, 0, s->nbuckets * sizeof(*s->bucket));
	s->free = 0;
	for (i = s->n; i > 0; i--) {		/* lowest ids first */
		put16(chunk(s, (uint16_t)i), s->free);
		s->free = (uint16_t)i;
	}
	s->nfree = s->n;
}

unsigned pstr_chunks(size_t n)
{
	return n <= HEAD_DATA ? 1 :
		1 + (unsigned)((n - HEAD_DATA + BODY_DATA - 1) / BODY_DATA);
}

/* 1 when string id holds exactly p[0..n). */
static int same(const struct pstr *s, uint16_t id, const char *p, size_t n)
{
	const uint8_t *c = chunk(s, id);
	size_t k = n < HEAD_DATA ? n : HEAD_DATA;

	if (get16(c + 4) != n || memcmp(c + HDR, p, k))
		return 0;
	for (p += k, n -= k; n > 0; p += k, n -= k) {
		c = chunk(s, get16(c));
		k = n < BODY_DATA ? n : BODY_DATA;
		if (memcmp(c + 2, p, k))
			return 0;
	}
	return 1;
}

/* Take a free chunk. */
static uint16_t take(struct pstr *s)
{
	uint16_t id = s->free;

	s->free = get16(chunk(s, id));
	s->nfree--;
	return id;
}

/* A new string p[0..n) with hash h, one reference. */
static uint16_t store(struct pstr *s, const char *p, size_t n, uint32_t h)
{
	uint16_t head = take(s), id = head;
	uint16_t *b = &s->bucket[h & (s->nbuckets - 1)];
	uint8_t *c = chunk(s, head);
	size_t k = n < HEAD_DATA ? n : HEAD_DATA;

	put16(c + 2, *b);
	put16(c + 4, (uint16_t)n);
	put16(c + 6, (uint16_t)h);
	put32(c + 8, 1);
	memcpy(c + HDR, p, k);
	for (p += k, n -= k; n > 0; p += k, n -= k) {
		uint16_t next = take(s);

		put16(chunk(s, id), next);
		id = next;
		k = n < BODY_DATA ? n : BODY_DATA;
		memcpy(chunk(s, id) + 2, p, k);
	}
	put16(chunk(s, id), 0);
	*b = head;
	return head;
}

uint16_t pstr_put(struct pstr *s, const char *p, size_t n)
{
	uint32_t h = hash(p, n);
	uint16_t id;

	if (n > UINT16_MAX)
		return 0;
	for (id = s->bucket[h & (s->nbuckets - 1)]; id; id = get16(chunk(s, id) + 2))
		if (get16(chunk(s, id) + 6) == (uint16_t)h && same(s, id, p, n)) {
			pstr_ref(s, id);
			return id;
		}
	if (pstr_chunks(n) > s->nfree)
		return 0;
	return store(s, p, n, h);
}

void pstr_ref(struct pstr *s, uint16_t id)
{
	if (id)
		put32(chunk(s, id) + 8, get32(chunk(s, id) + 8) + 1);
}

/* Take head id out of its hash chain. */
static void unlink_head(struct pstr *s, uint16_t id)
{
	unsigned b = get16(chunk(s, id) + 6) & (s->nbuckets - 1);
	uint16_t next = get16(chunk(s, id) + 2), cur = s->bucket[b];

	if (cur == id) {
		s->bucket[b] = next;
		return;
	}
	while (get16(chunk(s, cur) + 2) != id)
		cur = get16(chunk(s, cur) + 2);
	put16(chunk(s, cur) + 2, next);
}

void pstr_drop(struct pstr *s, uint16_t id)
{
	uint32_t refs;
	uint16_t next;

	if (!id)
		return;
	refs = get32(chunk(s, id) + 8);
	put32(chunk(s, id) + 8, refs - 1);
	if (refs > 1)
		return;
	unlink_head(s, id);
	for (; id; id = next) {
		next = get16(chunk(s, id));
		put16(chunk(s, id), s->free);
		s->free = id;
		s->nfree++;
	}
}

size_t pstr_get(const struct pstr *s, uint16_t id, char *out, size_t cap)
{
	const uint8_t *c;
	size_t n, got, k;

	if (!id)
		return 0;
	c = chunk(s, id);
	n = get16(c + 4);
	n = n < cap ? n : cap;
	k = n < HEAD_DATA ? n : HEAD_DATA;
	memcpy(out, c + HDR, k);
	for (got = k; got < n; got += k) {
		c = chunk(s, get16(c));
		k = n - got < BODY_DATA ? n - got : BODY_DATA;
		memcpy(out + got, c + 2, k);
	}
	return n;
}

uint32_t pstr_refs(const struct pstr *s, uint16_t id)
{
	return id ? get32(chunk(s, id) + 8) : 0;
}
