/*
 * fuzz_sockdiag.c: libFuzzer target on the net probe's fallback parsers:
 * sock_diag datagrams (src/agent/net/net_diagmsg.c) and /proc/net lines
 * (net_procnet.c), through the classification (net_track.c) to the event.
 *
 * Input: byte 0 even: the rest is one netlink datagram; odd: the rest is
 * /proc/net text, split into lines.  Nothing may read out of bounds, and
 * every socket that parses must make an event the wire codec accepts.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "agent/net/net_track.h"
#include "agent/net/net_procnet.h"
#include "agent/net/net_diagmsg.h"
#include "wire/frame.h"

static struct nettrack track;
static struct event ev;
static uint8_t frame[WIRE_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every event a fallback makes of a socket must be one the wire takes. */
static void use(const struct netsock *ns)
{
	static const int sources[] = { PS_NET_CONNECT_RESULT, PS_NET_ACCEPTED,
				       PS_NET_CLOSED };
	int passive = nettrack_classify(&track, ns) == NETTRACK_PASSIVE;
	size_t i;

	netsock_event(ns, &ev, 1);
	if (frame_encode(&ev, WIRE_EXTENDED, frame, sizeof(frame)) < 0)
		abort();
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		netsock_outcome(ns, sources[i], passive, &ev, 1);
		if (frame_encode(&ev, WIRE_EXTENDED, frame, sizeof(frame)) < 0)
			abort();
	}
}

static void datagram(const uint8_t *p, size_t n)
{
	struct sockdiag_it it = { p, n, 0, 0 };
	struct netsock ns;
	int kind, err, steps = 0;

	while ((kind = sockdiag_next(&it, IPPROTO_TCP, &ns, &err)) != SOCKDIAG_END &&
	       kind != SOCKDIAG_BAD) {
		if (kind == SOCKDIAG_SOCK)
			use(&ns);
		if (++steps > 100000 || it.off > n + 3)
			abort();	/* the cursor must move forward and stay in */
	}
}

static void lines(const uint8_t *p, size_t n, int family)
{
	const char *s = (const char *)p, *end = s + n, *nl;
	struct netsock ns;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			nl = end;
		if (procnet_line(s, (size_t)(nl - s), family, IPPROTO_TCP,
				 &ns) == PROCNET_SOCK)
			use(&ns);
		s = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	if (track.gen == 0)
		nettrack_init(&track, 32768, 60999, 2);
	/* An exact-size copy so that ASan sees any overread. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] % 2 == 0)
		datagram(copy, size - 1);
	else
		lines(copy, size - 1, data[0] % 4 == 1 ? AF_INET : AF_INET6);
	free(copy);
	return 0;
}
