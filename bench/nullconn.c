/*
 * nullconn.c: a do-nothing proc connector listener, the floor of what any
 * connector client costs the workload (bench/overhead.py).
 *
 *   nullconn recv       block in recv(2), discard, again: woken by every
 *                       message, as a naive listener is
 *   nullconn every MS   sleep MS milliseconds, then read the socket dry
 *                       without blocking: never woken by a message
 *
 * Subscribes like the agent (proc_connector_open: fork, exec, exit, 8 MiB
 * receive buffer).  Writes "ready" on stdout once subscribed; on SIGTERM
 * or SIGINT prints the messages it read and the ENOBUFS it saw.
 *
 * usage: nullconn recv | nullconn every MS
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "agent/proc/proc_connector.h"
#include "lib/caps.h"

static volatile sig_atomic_t stop;
static unsigned long msgs, nobufs;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* One recv: counts it; 0 when the socket had nothing (or a signal). */
static int one(int fd, int flags)
{
	static char buf[PROC_DGRAM_BYTES];

	if (recv(fd, buf, sizeof(buf), flags) >= 0) {
		msgs++;
		return 1;
	}
	if (errno == ENOBUFS) {
		nobufs++;
		return 1;
	}
	return 0;
}

static void run_recv(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	while (!stop)
		one(fd, 0);
}

static void run_every(int fd, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!stop) {
		nanosleep(&ts, NULL);
		while (one(fd, MSG_DONTWAIT))
			;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char why[160];
	long ms = 0;
	int fd;

	if (!(argc == 2 && !strcmp(argv[1], "recv")) &&
	    !(argc == 3 && !strcmp(argv[1], "every") &&
	      (ms = atol(argv[2])) > 0)) {
		fprintf(stderr, "usage: nullconn recv | nullconn every MS\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: recv returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = proc_connector_open(PROC_RCVBUF, why, sizeof(why));
	if (fd < 0) {
		fprintf(stderr, "nullconn: %s\n", why);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (ms)
		run_every(fd, ms);
	else
		run_recv(fd);
	printf("%lu messages, %lu ENOBUFS\n", msgs, nobufs);
	return 0;
}
