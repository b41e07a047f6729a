/*
 * netprobe.c: drives the net probe (src/agent/probe_net.c) with a tiny
 * epoll loop until the agent's loop takes it over; for the integration
 * tests and benchmarks.
 *
 *   netprobe [-m auto|bpf|diag|proc] [-c CGROUP] [-p POLL_MS]
 *
 * Prints {"status": ..., "why": ...} once armed, then one JSON line per
 * event (through the wire codec, evprint.h).  SIGTERM/SIGINT: a clean
 * stop (detach, drain), then {"stopped": ..., "losses": {...}}, exit 0.
 * SIGUSR1 prints the losses line without stopping.  Exit 1 when nothing
 * could be armed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "agent/net/net_ops.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "evprint.h"

static struct probe_net pn;

static void on_event(void *ctx, const struct event *ev)
{
	(void)ctx;
	evprint(ev);
}

static void print_losses(const char *what)
{
	const char *reason[8];
	uint64_t count[8];
	size_t n, i;

	n = probe_net_losses(&pn, reason, count, 8);
	printf("{\"%s\": \"%s\", \"emitted\": %llu, \"losses\": {", what,
	       probe_net_status(&pn), (unsigned long long)pn.out.emitted);
	for (i = 0; i < n; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", reason[i],
		       (unsigned long long)count[i]);
	printf("}}\n");
	fflush(stdout);
}

static void arm_timer(int tfd)
{
	struct itimerspec its = { 0 };
	uint64_t d = probe_net_deadline(&pn);

	if (d) {
		its.it_value.tv_sec = (time_t)(d / 1000000000u);
		its.it_value.tv_nsec = (long)(d % 1000000000u);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static int setup_loop(int *sfd, int *tfd)
{
	struct epoll_event ee = { .events = EPOLLIN };
	int ep, fds[4], n, i;
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	*sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (*sfd < 0 || *tfd < 0 || ep < 0)
		fatal("loop set-up");
	ee.data.fd = *sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, *sfd, &ee);
	ee.data.fd = *tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, *tfd, &ee);
	n = probe_net_fds(&pn, fds, 4);
	for (i = 0; i < n; i++) {
		ee.data.fd = fds[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ee);
	}
	return ep;
}

/* Returns when a stop signal came. */
static void run(int ep, int sfd, int tfd)
{
	struct epoll_event evs[8];
	struct signalfd_siginfo si;
	uint64_t x;
	int n, i;

	for (;;) {
		arm_timer(tfd);
		n = epoll_wait(ep, evs, 8, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == tfd) {
				if (read(tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
					fatal("timerfd");
				probe_net_tick(&pn, clock_mono_ns());
			} else if (evs[i].data.fd == sfd) {
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo != SIGUSR1)
					return;
				print_losses("status");
			} else {
				probe_net_readable(&pn, evs[i].data.fd);
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct probe_net_cfg cfg = { .mode = PROBE_NET_AUTO };
	int c, ep, sfd, tfd;

	log_init("netprobe", 0);
	while ((c = getopt(argc, argv, "m:c:p:")) != -1) {
		if (c == 'm' && (cfg.mode = probe_net_mode_byname(optarg)) >= 0)
			continue;
		if (c == 'c') {
			cfg.cgroup = optarg;
			continue;
		}
		if (c == 'p') {
			cfg.poll_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			continue;
		}
		fprintf(stderr, "usage: netprobe [-m auto|bpf|diag|proc] "
			"[-c CGROUP] [-p POLL_MS]\n");
		return 2;
	}
	if (probe_net_open(&pn, &cfg, on_event, NULL) < 0) {
		printf("{\"status\": \"failed\", \"why\": ");
		evprint_str(pn.why, strlen(pn.why));
		printf("}\n");
		return 1;
	}
	printf("{\"status\": \"%s\", \"why\": ", probe_net_status(&pn));
	evprint_str(pn.why, strlen(pn.why));
	printf("}\n");
	fflush(stdout);
	ep = setup_loop(&sfd, &tfd);
	run(ep, sfd, tfd);
	probe_net_close(&pn);
	print_losses("stopped");
	return 0;
}
