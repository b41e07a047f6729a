/*
 * proc_connector.h: the kernel I/O of the process probe's primary
 * mechanism: the proc connector socket (NETLINK_CONNECTOR, CN_IDX_PROC).
 *
 * The connector answers LISTEN only in the initial pid and user namespace
 * (and with CAP_NET_ADMIN): no ack within PROC_ACK_WAIT_MS means refused.
 * Opening waits for that ack (set-up only, bounded); the loop then reads
 * the socket (proc_ops.c) and the messages are cnproc_parse's.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* A non-blocking connector socket with a receive buffer of rcvbuf
 * bytes, subscribed to fork, exec, exit and comm (renames); or -1 with the reason in
 * why. */
int proc_connector_open(uint32_t rcvbuf, char *why, size_t cap);
/* Unsubscribe (IGNORE) and close. */
void proc_connector_close(int fd);
