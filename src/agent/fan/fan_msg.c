/*
 * fan_msg.c: the fanotify record walker of fan_msg.h.
 *
 * Reads go through memcpy from checked offsets, so any bytes (a fuzzer's)
 * are safe.  It does not close fds: it only reads bytes.
 */
#include <string.h>
#include <sys/fanotify.h>
#include "fan_msg.h"

void fan_parse(const void *buf, size_t len, fan_fn *fn, void *ctx,
	       struct fan_stats *st)
{
	const uint8_t *p = buf;
	struct fanotify_event_metadata m;
	struct fan_rec r;
	size_t off = 0;

	while (len - off >= FAN_EVENT_METADATA_LEN) {
		memcpy(&m, p + off, sizeof(m));
		if (m.vers != FANOTIFY_METADATA_VERSION ||
		    m.metadata_len < FAN_EVENT_METADATA_LEN ||
		    m.event_len < m.metadata_len || m.event_len > len - off) {
			st->malformed++;
			return;
		}
		r.mask = m.mask;
		r.fd = m.fd;
		r.pid = m.pid;
		r.info = p + off + m.metadata_len;
		r.info_len = m.event_len - m.metadata_len;
		st->records++;
		if (m.mask & FAN_Q_OVERFLOW)
			st->overflow++;
		fn(ctx, &r);
		off += m.event_len;
	}
	if (off != len)
		st->malformed++;
}
