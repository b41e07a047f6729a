/*
 * fan_info.h: pure parser of the info records fanotify puts after an
 * event's metadata in a group made with FAN_REPORT_DFID_NAME (5.9+) or
 * FAN_REPORT_FID (5.1+): which directory (file system id and file
 * handle), and which entry of it, the event is about.
 *
 * The handle is kept as the bytes of struct file_handle (handle_bytes,
 * handle_type, f_handle): the same bytes name_to_handle_at(2) gives for
 * that directory, so a watch compares them without a system call.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct fan_fid {
	uint8_t fsid[8];	/* __kernel_fsid_t */
	const uint8_t *fh;	/* struct file_handle, inside the buffer */
	size_t fh_len;		/* 8 + handle_bytes */
};

struct fan_info {
	int has_dir;		/* a DFID_NAME or DFID record: dir is set */
	int has_obj;		/* a FID record: obj is set */
	struct fan_fid dir;	/* the directory the entry is in */
	struct fan_fid obj;	/* the object itself */
	const char *name;	/* the entry (DFID_NAME), not NUL-terminated */
	size_t name_len;	/* 0: none, or "." (the directory itself) */
};

/* Parse p[0..len) (a record's info bytes, fan_rec.info).  Records of
 * other types (pidfd, error) are skipped.  0, or -1 when a record does
 * not fit its length or the bytes left. */
int fan_info_parse(const uint8_t *p, size_t len, struct fan_info *fi);
