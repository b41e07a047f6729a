/*
 * proc_connector.c: open, subscribe and close the proc connector socket
 * (proc_connector.h).
 *
 * Records that arrive before the LISTEN ack are not ours yet and are
 * dropped; the subscription is sent twice, first in the old form every
 * kernel takes, then in the 6.6+ form that filters in the kernel (older
 * kernels ignore it).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "proc_cnmsg.h"
#include "proc_connector.h"

/* What the ack wait saw. */
struct ack {
	int seen;
	int err;
};

/* Send one LISTEN/IGNORE request (old form when mask is 0). */
static int send_op(int fd, uint32_t op, uint32_t mask)
{
	uint8_t buf[64];
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	int n = cnproc_request(buf, sizeof(buf), op, mask, 0);

	return sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&to,
		      sizeof(to)) == n ? 0 : -1;
}

/* The ack of our LISTEN; any other record is not ours yet. */
static void on_ack(void *ctx, const struct cnproc_rec *r)
{
	struct ack *a = ctx;

	if (r->kind == CNP_ACK && !a->seen) {
		a->seen = 1;
		a->err = (int)r->err;
	}
}

/* Wait at most PROC_ACK_WAIT_MS for the LISTEN ack. */
static void wait_ack(int fd, struct ack *a)
{
	static uint8_t buf[8192] __attribute__((aligned(8)));
	uint64_t end = clock_mono_ns() + PROC_ACK_WAIT_MS * NS_PER_MS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cnproc_stats st = { 0 };
	uint64_t now;
	ssize_t n;

	while (!a->seen && (now = clock_mono_ns()) < end) {
		if (poll(&pfd, 1, (int)((end - now) / NS_PER_MS + 1)) <= 0)
			continue;
		while (!a->seen && (n = recv(fd, buf, sizeof(buf), 0)) > 0)
			cnproc_parse(buf, (size_t)n, on_ack, a, &st);
	}
}

int proc_connector_open(uint32_t rcvbuf, char *why, size_t cap)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = CN_IDX_PROC };
	struct ack a = { 0, 0 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			NETLINK_CONNECTOR);

	if (fd < 0)
		return fmt_str(why, cap, "connector: %s", strerror(errno)), -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fmt_str(why, cap, "connector: bind: %s", strerror(errno));
		goto out_close;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	if (send_op(fd, PROC_CN_MCAST_LISTEN, 0) < 0) {
		fmt_str(why, cap, "connector: send: %s", strerror(errno));
		goto out_close;
	}
	wait_ack(fd, &a);
	if (!a.seen || a.err) {
		fmt_str(why, cap, "connector %s", a.seen ? strerror(a.err) :
			 "refused: not the initial namespace");
		goto out_close;
	}
	(void)send_op(fd, PROC_CN_MCAST_LISTEN, PROC_EVENT_FORK |
		      PROC_EVENT_EXEC | PROC_EVENT_EXIT | PROC_EVENT_COMM);
	return fd;
out_close:
	close(fd);
	return -1;
}

void proc_connector_close(int fd)
{
	(void)send_op(fd, PROC_CN_MCAST_IGNORE, 0);
	close(fd);
}
