/*
 * bytes.h: integers in byte buffers, at any alignment.
 *
 * le32: the wire's length prefix (doc/WIRE.md §2), little-endian whatever
 * the machine.  ne16/ne32/ne64: the machine's own order, for what the
 * kernel wrote into a buffer (netlink payloads, BPF records) and for the
 * host's packed tables (its string store's chunk headers).  Each read goes
 * through memcpy, so a buffer need not be aligned; bounds are the
 * caller's to check.
 */
#pragma once
#include <stdint.h>
#include <string.h>

/* The little-endian u32 at p. */
static inline uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Write v at p, little-endian. */
static inline void le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The u16 in the machine's order at p + off, and writing one. */
static inline uint16_t ne16_get(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static inline void ne16_put(uint8_t *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* Write u32 v at p + off in the machine's order. */
static inline void ne32_put(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* The u32 in the machine's order at p + off. */
static inline uint32_t ne32_get(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* The u64 in the machine's order at p + off. */
static inline uint64_t ne64_get(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}
