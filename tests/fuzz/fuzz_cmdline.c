/*
 * fuzz_cmdline.c: libFuzzer target on the agent's kernel command line
 * parser (config_cmdline) and address parser (xport_parse_addr).
 *
 * Any input: no crash, no read out of bounds.  A command line that is
 * accepted must leave a config inside every limit of caps.h; an address
 * that parses must be a unix path with its NUL or a vsock pair.
 */
#include <stdlib.h>
#include <string.h>
#include "agent/config.h"
#include "wire/frame.h"

static struct config c;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every limit an accepted config must respect. */
static void check(const struct config *k)
{
	unsigned i;

	if ((k->profile != WIRE_STRICT && k->profile != WIRE_EXTENDED) ||
	    k->ring_bytes < AGENT_RING_MIN || k->ring_bytes > AGENT_RING_MAX ||
	    k->heartbeat_ms < AGENT_HEARTBEAT_MIN_MS ||
	    k->heartbeat_ms > AGENT_HEARTBEAT_MAX_MS ||
	    k->nwatch > FS_WATCH_MAX ||
	    (k->addr.kind != XPORT_UNIX && k->addr.kind != XPORT_VSOCK) ||
	    memchr(k->addr.path, '\0', sizeof(k->addr.path)) == NULL)
		abort();
	for (i = 0; i < k->nwatch; i++)
		if (k->watch[i][0] != '/' ||
		    memchr(k->watch[i], '\0', FS_PATH_MAX) == NULL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xport_addr a;
	char err[320];

	config_defaults(&c);
	if (config_cmdline(&c, (const char *)data, size, err, sizeof(err)) == 0)
		check(&c);
	else if (!memchr(err, '\0', sizeof(err)))
		abort();
	if (xport_parse_addr(&a, (const char *)data, size) == 0 &&
	    ((a.kind == XPORT_UNIX && (!a.path[0] ||
				       !memchr(a.path, '\0', sizeof(a.path)))) ||
	     (a.kind != XPORT_UNIX && a.kind != XPORT_VSOCK)))
		abort();
	return 0;
}
