/*
 * net_procnet.h: pure parser of /proc/net/{tcp,udp}{,6} lines, the last
 * fallback of the net probe.
 */
#pragma once
#include <stddef.h>
#include "net_sock.h"

enum { PROCNET_SOCK = 0, PROCNET_HEADER = 1, PROCNET_BAD = -1 };

/* Parse one line (without its newline) of a file of the given family and
 * protocol.  PROCNET_SOCK fills *ns; PROCNET_HEADER is the column titles.
 * The addresses are the kernel's %08X of each 32-bit word in the host's
 * order, so this reads the host's own files only.  Pure. */
int procnet_line(const char *s, size_t n, int family, int proto,
		 struct netsock *ns);
