/*
 * listen.h: the receiver's listening sockets and accept.
 *
 * AF_UNIX stream paths, one per cell (Firecracker's <uds_path>_9001),
 * bound before the VM boots and removed on exit; or one AF_VSOCK stream
 * listener for QEMU vhost-vsock hosts (--listen vsock:PORT), where the
 * peer's CID picks the cell.  NEVER used on a machine that is itself a
 * Firecracker guest (the development machine): nothing calls
 * listen_vsock unless --listen vsock:PORT is given.  Every fd returned
 * is non-blocking and close-on-exec.  Return 0/fd or -1 with errno.
 */
#pragma once
#include <stdint.h>

/* Bind and listen on path.  A stale socket file (nobody accepts on it) is
 * replaced; a live one gives EADDRINUSE; any other file EEXIST. */
int listen_unix(const char *path);
/* Remove the socket file we bound (only if it is still a socket). */
void listen_unlink(const char *path);
/* Listen on AF_VSOCK port for any CID. */
int listen_vsock(unsigned port);
/* Accept one connection; *cid gets the peer's CID for a vsock listener
 * (left alone for AF_UNIX).  -1 with EAGAIN when none is waiting. */
int listen_accept(int lfd, uint32_t *cid);
