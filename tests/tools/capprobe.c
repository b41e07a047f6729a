/*
 * capprobe.c: drives the capability probe (src/agent/probe_cap.c) with a
 * tiny epoll loop until the agent's loop takes it over; for the
 * integration tests and benchmarks.
 *
 *   capprobe
 *
 * Prints {"status": "armed"} (or "failed:<why>" and exits 1), then one
 * JSON line per event.  SIGTERM/SIGINT: a clean stop (rules removed, audit
 * pid released), then {"stopped": ..., "losses": {...}}, exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "agent/cap/cap_audit.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "evprint.h"

static struct probe_cap pc;

static void on_event(void *ctx, const struct event *ev)
{
	(void)ctx;
	evprint(ev);
}

static void print_status(const char *what)
{
	const char *reason[4];
	uint64_t count[4];
	char st[MECH_WHY_MAX + 16];
	size_t n, i;

	n = probe_cap_losses(&pc, reason, count, 4);
	printf("{\"%s\": ", what);
	probe_cap_status(&pc, st, sizeof(st));
	evprint_str(st, strlen(st));
	printf(", \"emitted\": %llu, \"losses\": {",
	       (unsigned long long)pc.emitted);
	for (i = 0; i < n; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", reason[i],
		       (unsigned long long)count[i]);
	printf("}}\n");
	fflush(stdout);
}

static int setup_loop(int *sfd, int *tfd)
{
	struct epoll_event ee = { .events = EPOLLIN };
	sigset_t ss;
	int ep;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
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
	ee.data.fd = probe_cap_fd(&pc);
	epoll_ctl(ep, EPOLL_CTL_ADD, ee.data.fd, &ee);
	return ep;
}

static void run(int ep, int sfd, int tfd)
{
	struct itimerspec its = { 0 };
	struct epoll_event evs[4];
	uint64_t d, x;
	int n, i;

	for (;;) {
		d = probe_cap_deadline(&pc);
		its.it_value.tv_sec = (time_t)(d / 1000000000u);
		its.it_value.tv_nsec = (long)(d % 1000000000u);
		timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		n = epoll_wait(ep, evs, 4, -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd)
				return;
			if (evs[i].data.fd == tfd) {
				if (read(tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
					fatal("timerfd");
				probe_cap_tick(&pc, clock_mono_ns());
			} else {
				probe_cap_readable(&pc);
			}
		}
	}
}

int main(int argc, char **argv)
{
	int ep, sfd, tfd;

	(void)argv;
	log_init("capprobe", 0);
	if (argc != 1) {
		fprintf(stderr, "usage: capprobe\n");
		return 2;
	}
	if (probe_cap_open(&pc, on_event, NULL) < 0) {
		print_status("status");
		return 1;
	}
	print_status("status");
	ep = setup_loop(&sfd, &tfd);
	run(ep, sfd, tfd);
	probe_cap_close(&pc);
	print_status("stopped");
	return 0;
}
