/*
 * synth.c: the synthetic event source of the agent's TEST build
 * (build/test/cellos-telemetry, -DAGENT_TEST_SOURCE).  The release
 * binary never contains it.
 *
 * A probe named "synth" that emits process.spawned events in bursts:
 * one burst when armed and one more on each SIGUSR1, as fast as the loop
 * allows or at a set rate.  It can also fail or fall back when arming,
 * arm slowly, leave a mark file once armed, and call malloc inside the
 * loop (to show the malloc trap of nomalloc.c works).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "agent/probe.h"
#include "agent/testhook.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/sys.h"

/* Events per pass when no rate is set: a bounded batch. */
#define SYNTH_BATCH 1024

static struct {
	int on;
	uint64_t burst, per_ms;		/* events per burst; rate (0: max) */
	uint64_t left, made, bursts;
	int arm;			/* 0 ok, 'f' fail, 'b' fallback */
	char why[PROBE_WHY_MAX];
	uint64_t delay_ms;
	const char *mark;
	int do_malloc;
	uint32_t ready_ms;		/* --test-ready-timeout; 0: unset */
	struct probe *p;
	struct event ev;
} S;

/* A decimal u64 (whole string); -1 on anything else. */
static int num(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoull(s, &end, 10);
	return errno || (*end && *end != ':') ? -1 : 0;
}

int testhook_option(const char *name, const char *val)
{
	const char *c;
	uint64_t v;

	if (strcmp(name, "test-ready-timeout") == 0) {
		if (num(val, &v) == 0 && v > 0 && v <= UINT32_MAX) {
			S.ready_ms = (uint32_t)v;
			return 0;
		}
		log_warnx("--%s: bad value '%s'", name, val);
		return -1;
	}
	S.on = 1;
	if (strcmp(name, "test-events") == 0) {
		c = strchr(val, ':');
		if (num(val, &S.burst) == 0 && (!c || num(c + 1, &S.per_ms) == 0))
			return 0;
	} else if (strcmp(name, "test-arm") == 0) {
		if (strcmp(val, "ok") == 0)
			return 0;
		S.arm = strncmp(val, "fail:", 5) == 0 ? 'f' :
			strncmp(val, "fallback:", 9) == 0 ? 'b' : 0;
		c = strchr(val, ':');
		snprintf(S.why, sizeof(S.why), "%s", c ? c + 1 : "");
		if (S.arm)
			return 0;
	} else if (strcmp(name, "test-arm-delay") == 0) {
		if (num(val, &S.delay_ms) == 0)
			return 0;
	} else if (strcmp(name, "test-mark") == 0) {
		S.mark = val;
		return 0;
	} else if (strcmp(name, "test-malloc") == 0) {
		S.do_malloc = 1;
		return 0;
	}
	log_warnx("--%s: bad value '%s'", name, val ? val : "");
	return -1;
}

/* Armed when any of its flags was given (it has no --probe word). */
static int synth_wanted(const struct config *c, int mode)
{
	(void)c, (void)mode;
	return S.on;
}

uint32_t testhook_ready_timeout_ms(uint32_t ms)
{
	return S.ready_ms ? S.ready_ms : ms;
}

void testhook_sigmask(sigset_t *mask)
{
	sigaddset(mask, SIGUSR1);
}

void testhook_usage(int fd)
{
	fmt_fd(fd,
"test build only:\n"
"  --test-events N[:PER_MS]  emit N process.spawned events when armed and\n"
"                            on each SIGUSR1 (PER_MS per ms, or at once)\n"
"  --test-arm ok|fail:WHY|fallback:HOW  how the synth probe arms\n"
"  --test-arm-delay MS       take MS ms to arm\n"
"  --test-mark PATH          write \"PID BURSTS\" to PATH once armed and\n"
"                            after each burst\n"
"  --test-malloc             call malloc inside the loop (must abort)\n"
"  --test-ready-timeout MS   the parent waits MS ms for the report\n");
}

static void write_mark(void);

/* Emit the next batch of the burst; come back for the rest. */
static void tick(void *ctx, uint64_t now)
{
	uint64_t budget = S.per_ms ? S.per_ms : SYNTH_BATCH;
	void *volatile m;

	(void)ctx;
	if (S.do_malloc) {
		m = malloc(16);		/* nomalloc.c aborts here */
		free(m);
	}
	while (S.left > 0 && budget-- > 0) {
		S.made++;
		S.left--;
		event_init(&S.ev, PS_PROCESS_SPAWNED, (uint32_t)S.made, now);
		event_set_text(&S.ev, EVK_GUEST_COMM, "synth", 5);
		probe_emit(S.p, &S.ev);
	}
	if (S.left > 0) {
		S.p->timer.at = S.per_ms ? now + 1000000u : now;
		return;
	}
	S.bursts++;
	if (S.mark)
		write_mark();
}

void testhook_signal(int signo)
{
	if (signo != SIGUSR1 || !S.p || S.p->state == PROBE_OFF)
		return;
	S.left += S.burst;
	if (!S.p->timer.at)
		S.p->timer.at = clock_mono_ns();
}

/* "PID BURSTS\n" to the mark file: the test sees when arming ended and
 * how many bursts the agent has emitted (even with no receiver). */
static void write_mark(void)
{
	char buf[48], tmp[4096];
	int n = snprintf(buf, sizeof(buf), "%d %llu\n", (int)getpid(),
			 (unsigned long long)S.bursts);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", S.mark);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || sys_write_all(fd, buf, (size_t)n) < 0 ||
	    rename(tmp, S.mark) < 0)
		log_warn("%s", S.mark);
	if (fd >= 0)
		close(fd);
}

/* Arm as told by --test-arm, after --test-arm-delay; start the first burst. */
static int synth_arm(struct probe *p, const struct config *c,
		     struct loop *l)
{
	struct timespec ts = { (time_t)(S.delay_ms / 1000),
			       (long)(S.delay_ms % 1000) * 1000000 };

	(void)c;
	(void)l;
	S.p = p;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	if (S.arm == 'f') {
		snprintf(p->why, sizeof(p->why), "%s", S.why);
		return -1;
	}
	p->timer = (struct loop_timer){ 0, tick, p };
	S.left = S.burst;
	if (S.left || S.do_malloc)
		p->timer.at = clock_mono_ns();
	if (S.mark)
		write_mark();
	if (S.arm == 'b') {
		snprintf(p->why, sizeof(p->why), "%s", S.why);
		return 1;
	}
	return 0;
}

/* Shutdown: no more events. */
static void synth_stop(struct probe *p)
{
	p->timer.at = 0;
	S.left = 0;
}

const struct probe_ops synth_ops = {
	.name = "synth",
	.wanted = synth_wanted,
	.arm = synth_arm,
	.stop = synth_stop,
};
