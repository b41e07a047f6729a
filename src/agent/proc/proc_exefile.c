/*
 * proc_exefile.c: the exec'd file's format and hash, cached (proc_exefile.h).
 *
 * The cache is set-associative: a key hashes to a set of PROC_EXEFILE_WAYS
 * slots, and a miss replaces them in turn.  The reads are preads through
 * the caller's fd (its offset stays where it was).
 */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "proc_exefile.h"

void exefile_init(struct exefile *c)
{
	memset(c, 0, sizeof(*c));
}

/* The first slot of the set of (dev, ino). */
static size_t set_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 20)) * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 40) % (PROC_EXEFILE_MAX / PROC_EXEFILE_WAYS) *
		PROC_EXEFILE_WAYS;
}

/* The format from the file's first bytes and, if need be, its program
 * headers. */
static void read_format(int fd, struct exehdr *h)
{
	static uint8_t buf[PROC_EXEHDR_BYTES];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	exehdr_parse(buf, n > 0 ? (size_t)n : 0, h);
	if (h->need_phdrs) {
		n = pread(fd, buf, h->phlen, (off_t)h->phoff);
		exehdr_phdrs(buf, n > 0 ? (size_t)n : 0, h);
	}
}

/* Fill a slot for the file of st: its format, its hash when asked. */
static void fill(struct exefile_ent *e, int fd, const struct stat *st,
		 int hash, struct exefile_info *out)
{
	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	e->size = (uint64_t)st->st_size;
	e->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 +
		st->st_mtim.tv_nsec;
	read_format(fd, &e->h);
	e->has_sha = 0;
	if (hash) {
		if (e->size <= PROC_HASH_MAX && exehash_fd(fd, e->size, e->sha) == 0)
			e->has_sha = 1;
		else
			out->hash_skipped = 1;
	}
}

int exefile_look(struct exefile *c, int fd, int hash, struct exefile_info *out)
{
	struct stat st;
	struct exefile_ent *e = NULL;
	int64_t mt;
	size_t s, i;

	if (fstat(fd, &st) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->dev = (uint64_t)st.st_dev;
	out->ino = (uint64_t)st.st_ino;
	out->deleted = st.st_nlink == 0;
	mt = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	s = set_of(out->dev, out->ino);
	for (i = s; i < s + PROC_EXEFILE_WAYS; i++)
		if (c->e[i].ino == out->ino && c->e[i].dev == out->dev &&
		    c->e[i].mtime_ns == mt &&
		    c->e[i].size == (uint64_t)st.st_size &&
		    (c->e[i].has_sha || !hash))
			e = &c->e[i];
	if (e) {
		c->hits++;
	} else {
		c->misses++;
		e = &c->e[s + c->turn++ % PROC_EXEFILE_WAYS];
		fill(e, fd, &st, hash, out);
	}
	out->h = e->h;
	out->has_sha = e->has_sha;
	memcpy(out->sha, e->sha, sizeof(out->sha));
	return 0;
}
