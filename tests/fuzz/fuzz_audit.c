/*
 * fuzz_audit.c: libFuzzer target on the capability probe's parsers
 * (src/agent/audit.c): the audit netlink datagram walk and the
 * AUDIT_SYSCALL record text.
 *
 * Input: one datagram as read from the audit socket.  Each message is
 * walked; a record's text is parsed (so is the whole input, as text).  A
 * record that parses must make an event the wire codec accepts.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include "agent/cap/cap_auditmsg.h"
#include "wire/frame.h"

static struct event ev;
static uint8_t frame[WIRE_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void record(const uint8_t *p, size_t n)
{
	struct audit_rec r;

	if (audit_parse_syscall((const char *)p, n, &r) < 0)
		return;
	audit_event(&r, &ev, 1);
	if (frame_encode(&ev, WIRE_EXTENDED, frame, sizeof(frame)) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_it it;
	const uint8_t *p;
	uint8_t *copy;
	uint16_t type;
	uint32_t seq;
	size_t n;

	copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	it.buf = copy;
	it.len = size;
	it.off = 0;
	while (audit_next(&it, &type, &seq, &p, &n) == 1) {
		if (p < copy || p + n > copy + size)
			abort();
		if (type == AUDIT_SYSCALL)
			record(p, n);
	}
	record(copy, size);
	free(copy);
	return 0;
}
