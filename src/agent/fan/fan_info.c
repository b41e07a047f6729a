/*
 * fan_info.c: the info record parser of fan_info.h.
 *
 * Each record: struct fanotify_event_info_header { u8 type; u8 pad;
 * u16 len; }, then for the fid types an fsid (8 bytes), a struct
 * file_handle (u32 handle_bytes, i32 handle_type, the handle) and, for
 * DFID_NAME, the entry name with its NUL, padded to 4 bytes.  Reads go
 * through memcpy from checked offsets: any bytes are safe.
 */
#include <string.h>
#include <sys/fanotify.h>
#include "fan_info.h"

#define HDR	4
#define FSID	8
#define FH_HDR	8

/* One fid record body b[0..n): fsid, handle and what follows it. */
static int fid(const uint8_t *b, size_t n, struct fan_fid *f,
	       const uint8_t **rest, size_t *rest_len)
{
	uint32_t hb;

	if (n < FSID + FH_HDR)
		return -1;
	memcpy(f->fsid, b, FSID);
	memcpy(&hb, b + FSID, sizeof(hb));
	if (hb > n - FSID - FH_HDR)
		return -1;
	f->fh = b + FSID;
	f->fh_len = FH_HDR + hb;
	*rest = f->fh + f->fh_len;
	*rest_len = n - FSID - f->fh_len;
	return 0;
}

/* The entry name after a DFID_NAME handle: up to its NUL, never past n. */
static void entry(struct fan_info *fi, const uint8_t *s, size_t n)
{
	const uint8_t *nul = memchr(s, '\0', n);

	fi->name = (const char *)s;
	fi->name_len = nul ? (size_t)(nul - s) : n;
	if (fi->name_len == 1 && s[0] == '.')
		fi->name_len = 0;		/* the directory itself */
}

int fan_info_parse(const uint8_t *p, size_t len, struct fan_info *fi)
{
	const uint8_t *rest;
	size_t off = 0, rest_len;
	uint16_t rlen;

	memset(fi, 0, sizeof(*fi));
	while (len - off >= HDR) {
		memcpy(&rlen, p + off + 2, sizeof(rlen));
		if (rlen < HDR || rlen > len - off)
			return -1;
		switch (p[off]) {
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_DFID:
			if (fid(p + off + HDR, rlen - HDR, &fi->dir, &rest,
				&rest_len) < 0)
				return -1;
			fi->has_dir = 1;
			if (p[off] == FAN_EVENT_INFO_TYPE_DFID_NAME)
				entry(fi, rest, rest_len);
			break;
		case FAN_EVENT_INFO_TYPE_FID:
			if (fid(p + off + HDR, rlen - HDR, &fi->obj, &rest,
				&rest_len) < 0)
				return -1;
			fi->has_obj = 1;
			break;
		}
		off += rlen;
	}
	return off == len ? 0 : -1;
}
