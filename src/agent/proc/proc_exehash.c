/*
 * proc_exehash.c: whole-file SHA-256 with BearSSL's br_sha256.
 *
 * Debian's libbearssl.a is built for glibc with _FORTIFY_SOURCE, so its
 * objects call __memcpy_chk, which musl does not have: a musl build gets
 * the same check here (glibc builds use glibc's own).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bearssl/bearssl_hash.h>
#include "lib/caps.h"
#include "proc_exehash.h"

#ifndef __GLIBC__
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);

/* glibc's fortified memcpy: abort when n overruns the destination. */
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memcpy(dst, src, n);
}
#endif

int exehash_fd(int fd, uint64_t size, uint8_t out[EXEHASH_LEN])
{
	static uint8_t buf[PROC_HASH_CHUNK];
	br_sha256_context ctx;
	uint64_t off = 0;
	ssize_t n;

	br_sha256_init(&ctx);
	while (off < size) {
		n = pread(fd, buf, sizeof(buf), (off_t)off);
		if (n <= 0)
			return -1;
		br_sha256_update(&ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	if (off != size || pread(fd, buf, 1, (off_t)off) != 0)
		return -1;			/* it changed while we read */
	br_sha256_out(&ctx, out);
	return 0;
}

void exehash_hex(const uint8_t h[EXEHASH_LEN], char out[2 * EXEHASH_LEN])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < EXEHASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
}
