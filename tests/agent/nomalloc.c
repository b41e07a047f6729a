/*
 * nomalloc.c: the malloc trap of the agent's TEST build.
 *
 * It replaces malloc and friends: before the loop runs they hand out
 * memory from a static arena (set-up may allocate); once agent_run calls
 * testhook_loop_starts() any call prints where it came from and aborts.  Every
 * integration test runs this build, so a heap allocation anywhere in the
 * loop's paths fails them.  free() of arena memory does nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/testhook.h"

static int armed;
static size_t used;
static _Alignas(64) unsigned char arena[1 << 20];

void testhook_loop_starts(void)
{
	armed = 1;
}

/* Say which call it was, then abort (SIGABRT). */
static void trap(const char *fn)
{
	static const char pre[] = "cellos-telemetry: heap allocation in the loop: ";

	(void)!write(STDERR_FILENO, pre, sizeof(pre) - 1);
	(void)!write(STDERR_FILENO, fn, strlen(fn));
	(void)!write(STDERR_FILENO, "\n", 1);
	abort();
}

/* n bytes aligned to al from the arena, the size stored in front. */
static void *take(size_t al, size_t n, const char *fn)
{
	size_t at;

	if (armed)
		trap(fn);
	if (al < 16)
		al = 16;
	at = (used + sizeof(size_t) + al - 1) / al * al;
	if (n > sizeof(arena) || at + n > sizeof(arena)) {
		errno = ENOMEM;
		return NULL;
	}
	used = at + n;
	memcpy(arena + at - sizeof(size_t), &n, sizeof(size_t));
	return arena + at;
}

void *malloc(size_t n)
{
	return take(16, n, "malloc");
}

void *calloc(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return take(16, a * b, "calloc");	/* the arena is never reused */
}

void *realloc(void *p, size_t n)
{
	void *q = take(16, n, "realloc");
	size_t old;

	if (p && q) {
		memcpy(&old, (unsigned char *)p - sizeof(size_t), sizeof(old));
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}

void free(void *p)
{
	(void)p;
}

void *aligned_alloc(size_t al, size_t n)
{
	return take(al, n, "aligned_alloc");
}

int posix_memalign(void **out, size_t al, size_t n)
{
	void *p = take(al, n, "posix_memalign");

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
