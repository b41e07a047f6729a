/*
 * proc_exehash.h: the SHA-256 of a whole file read through an fd, with
 * BearSSL (linked into the static agent: no allocation, no libc beyond
 * memcpy), for `--exe-hash sha256`.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define EXEHASH_LEN	32

/* Hash the size bytes of the file open on fd (pread from 0: the fd's
 * offset is left alone).  0, or -1 when a read failed or the file was
 * not size bytes long. */
int exehash_fd(int fd, uint64_t size, uint8_t out[EXEHASH_LEN]);
/* The 64 lower-case hex digits of a hash (no NUL). */
void exehash_hex(const uint8_t h[EXEHASH_LEN], char out[2 * EXEHASH_LEN]);
