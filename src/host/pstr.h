/*
 * pstr.h: a cell's bounded store of the strings its processes name (exe,
 * argv, cwd): each distinct string once, shared by reference count (a
 * fork shares its parent's, a hundred shells share one "/bin/sh").
 *
 * Fixed at set-up: n chunks of PSTR_CHUNK bytes.  A string is a chain of
 * chunks (no fragmentation: any free chunk will do); its head chunk holds
 * the count, the length and its place in a hash chain.  When no chunk is
 * free pstr_put fails: the caller makes room (model.c evicts exited
 * processes) or does without.  Ids are 1..n; 0 is no string.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define PSTR_CHUNK	32

struct pstr {
	uint8_t *mem;			/* n chunks */
	uint16_t *bucket;		/* hash chains: head id, 0 empty */
	unsigned n, nbuckets;		/* nbuckets a power of two */
	unsigned nfree;
	uint16_t free;			/* free chunks, chained: id, 0 none */
};

/* Allocate n chunks (n <= 65535) and their hash; -1 when out of memory. */
int pstr_init(struct pstr *s, unsigned n);
/* Give the memory back. */
void pstr_free(struct pstr *s);
/* Every string gone (a new boot). */
void pstr_clear(struct pstr *s);
/* Chunks a string of n bytes takes. */
unsigned pstr_chunks(size_t n);
/* The id of bytes p[0..n): a new reference to the string when it is
 * stored, else a new string; 0 when there is no room for it. */
uint16_t pstr_put(struct pstr *s, const char *p, size_t n);
/* One more reference to id (0: nothing). */
void pstr_ref(struct pstr *s, uint16_t id);
/* One reference less; the last frees its chunks. */
void pstr_drop(struct pstr *s, uint16_t id);
/* Copy string id into out (cap bytes at most); its length. */
size_t pstr_get(const struct pstr *s, uint16_t id, char *out, size_t cap);
/* References to id (for tests). */
uint32_t pstr_refs(const struct pstr *s, uint16_t id);
