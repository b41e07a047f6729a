/*
 * agent.c: the agent's core of agent.h: it owns the ring, the loop and
 * the transport, emits the agent.* frames, and runs the shutdown.
 *
 * All storage is here and fixed: the ring is one mapping made at
 * set-up, the scratch event and frame are static.  Once agent_run starts
 * nothing allocates.  The ring's pages become resident as it first fills
 * (the ring starts over at its first page whenever it is empty), so a
 * quiet agent keeps only what it uses.  It does not know any probe's
 * mechanics: probes arm through the registry and emit through
 * probe_emit, which the registry points here.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>
#include "agent.h"
#include "agentframes.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "probe.h"
#include "ring.h"
#include "selfinfo.h"
#include "startup.h"
#include "testhook.h"
#include "wire/frame.h"
#include "xport.h"

/* The shutdown's phases: STOPPING is the pause between the signal and
 * the flush, when the probes stop outside the loop. */
enum { RUNNING, STOPPING, FLUSHING, LAST_FRAME };

static struct agent {
	const struct config *cfg;
	struct af_ident id;
	struct loop loop;
	struct ring ring;
	struct xport xp;
	struct loop_timer hb, stop;
	uint64_t hb_origin;		/* heartbeats fall on origin + k * interval */
	uint64_t dropped[LOSS_N];	/* encode failures (no seq given) */
	uint64_t logged[LOSS_N];	/* strict: losses already logged */
	int phase;
	int hurry;			/* a second stop signal came */
	uint64_t deadline;		/* of the shutdown phase */
	uint64_t last_mono;		/* guest_monotonic_ns of the last event */
	uint8_t frame[WIRE_MAX_FRAME];
	struct event ev;		/* the agent's own frames */
} A;

int agent_emit(struct event *ev)
{
	int n;

	/* doc/WIRE.md: non-decreasing per agent, though kernel stamps taken on
	 * other CPUs (the proc connector's, the BPF programs') and the audit
	 * records' wall-clock times may arrive a little out of order: this is
	 * the one place that keeps them in order */
	if (ev->mono_ns < A.last_mono)
		ev->mono_ns = A.last_mono;
	A.last_mono = ev->mono_ns;
	event_set_uint(ev, EVK_SEQ, ring_next_seq(&A.ring));
	n = frame_encode(ev, A.cfg->profile, A.frame, sizeof(A.frame));
	if (n < 0 || ring_push(&A.ring, A.frame, (size_t)n) < 0) {
		A.dropped[n == WIRE_E_FRAME_TOO_LARGE ? LOSS_FRAME_TOO_LARGE :
			  LOSS_PROBE_ERROR]++;
		LOG_RL(log_warnx, "dropped a %s event: %s", ps_name(ev->source),
		       n < 0 ? wire_errname(n) : "ring");
		return -1;
	}
	if (ring_used(&A.ring) > A.ring.cap / 2)
		xport_flush(&A.xp);	/* a long burst: write as it comes */
	return 0;
}

/* Every counter of doc/WIRE.md §4, as of now. */
static void counters(struct af_counters *c)
{
	int i;

	probe_refresh_all();
	c->interval_ms = A.cfg->heartbeat_ms;
	c->emitted = A.ring.head_seq;
	c->sent = A.ring.sent;
	for (i = 0; i < LOSS_N; i++)
		c->dropped[i] = A.dropped[i] + probe_dropped(i);
	c->dropped[LOSS_RING_OVERWRITE] += A.ring.lost;
	for (i = 0; i < INC_N; i++)
		c->incomplete[i] = probe_incomplete(i);
	c->ring_used = ring_used(&A.ring);
	c->ring_hwm = A.ring.hwm;
	c->rss_kb = self_rss_kb();
	c->cpu_ns = clock_cpu_ns();
}

/* " reason N" into line for every count that moved since `since`. */
static int loss_list(char *line, size_t cap, const uint64_t *now,
		     const uint64_t *since)
{
	int i, n = 0;

	line[0] = '\0';
	for (i = 0; i < LOSS_N; i++)
		if (now[i] != since[i])
			n += fmt_str(line + n, cap - (size_t)n, " %s %llu",
				      loss_names[i],
				      (unsigned long long)(now[i] - since[i]));
	return n;
}

/* Strict mode has no agent.* frames: losses go to stderr instead. */
static void log_losses(const struct af_counters *c)
{
	char line[256];

	if (loss_list(line, sizeof(line), c->dropped, A.logged))
		log_warnx("lost events since the last report:%s", line);
	memcpy(A.logged, c->dropped, sizeof(A.logged));
}

/* SIGUSR1: the counters a heartbeat carries, on stderr. */
static void report(void)
{
	static const uint64_t none[LOSS_N];
	struct af_counters c;
	char line[256];

	counters(&c);
	loss_list(line, sizeof(line), c.dropped, none);
	LOG_RL(log_warnx, "counters: emitted %llu, sent %llu, ring %llu bytes "
	       "used (high %llu); lost:%s", (unsigned long long)c.emitted,
	       (unsigned long long)c.sent, (unsigned long long)c.ring_used,
	       (unsigned long long)c.ring_hwm, line[0] ? line : " none");
}

/* A heartbeat (or, strict, a loss report) on the k * interval grid. */
static void on_heartbeat(void *ctx, uint64_t now)
{
	uint64_t iv = A.cfg->heartbeat_ms * NS_PER_MS;
	struct af_counters c;

	(void)ctx;
	A.hb.at = A.hb_origin + ((now - A.hb_origin) / iv + 1) * iv;
	counters(&c);
	if (A.cfg->profile == WIRE_STRICT) {
		log_losses(&c);
		return;
	}
	af_counters(&A.ev, PS_AGENT_HEARTBEAT, &A.id, now, &c);
	agent_emit(&A.ev);
}

/* The transport's own frame just built in A.ev, encoded into out; the
 * strict profile (v1.0) has no agent.* frames: 0, send nothing. */
static int own_frame(uint8_t *out, size_t cap)
{
	if (A.cfg->profile == WIRE_STRICT)
		return 0;
	return frame_encode(&A.ev, WIRE_EXTENDED, out, cap);
}

/* The transport's hello: identity, session, resume point, probes. */
static int hook_hello(void *ctx, uint64_t session, uint64_t resume_seq,
		      uint8_t *out, size_t cap)
{
	(void)ctx;
	af_hello(&A.ev, &A.id, clock_mono_ns(), session, resume_seq,
		 A.cfg->ring_bytes);
	return own_frame(out, cap);
}

/* The transport's agent.loss for a range the ring overwrote. */
static int hook_loss(void *ctx, uint64_t first, uint64_t count,
		     uint8_t *out, size_t cap)
{
	(void)ctx;
	af_loss(&A.ev, &A.id, clock_mono_ns(), LOSS_RING_OVERWRITE, first,
		count);
	return own_frame(out, cap);
}

/* ---- shutdown: flush (bounded), account the rest, agent.stopping ---- */

/* Flushed or out of time: drop what is left (counted), say goodbye. */
static void last_frame(uint64_t now)
{
	struct af_counters c;

	if (!ring_empty(&A.ring)) {
		log_warnx("stopping with %zu bytes undelivered",
			  ring_used(&A.ring));
		ring_evict_all(&A.ring);
	}
	counters(&c);
	if (A.cfg->profile == WIRE_STRICT) {
		log_losses(&c);
	} else {
		af_counters(&A.ev, PS_AGENT_STOPPING, &A.id, now, &c);
		agent_emit(&A.ev);
	}
	log_info("stopping: emitted %llu, sent %llu, overwritten %llu",
		 (unsigned long long)c.emitted, (unsigned long long)c.sent,
		 (unsigned long long)c.dropped[LOSS_RING_OVERWRITE]);
	A.phase = LAST_FRAME;
	A.deadline = A.stop.at = now + AGENT_STOP_LAST_MS * NS_PER_MS;
}

/* Each loop pass and at the deadline: move the shutdown along. */
static void stop_check(void *ctx, uint64_t now)
{
	(void)ctx;
	if (A.phase == FLUSHING && (ring_empty(&A.ring) || now >= A.deadline)) {
		last_frame(now);
		xport_flush(&A.xp);
	}
	if (A.phase == LAST_FRAME && (xport_idle(&A.xp) || now >= A.deadline))
		loop_stop(&A.loop);
}

/* SIGTERM and the others that stop it (startup.c): no more heartbeats;
 * leave the loop so that the probes stop outside it (agent_run).  Asked
 * again: cut the flush short. */
static void begin_stop(int signo)
{
	if (A.phase != RUNNING) {
		A.hurry = 1;
		A.deadline = A.stop.at = clock_mono_ns();
		return;
	}
	log_info("signal %d: stopping", signo);
	A.hb.at = 0;
	A.phase = STOPPING;
	loop_stop(&A.loop);
}

/* Between the two runs of the loop: a probe's stop may wait for its
 * kernel (the capability probe's audit exchanges, each bounded), which no
 * loop handler may do.  The flush deadline starts once they are done. */
static void stop_probes(void)
{
	probe_stop_all();
	A.phase = FLUSHING;
	A.deadline = A.stop.at = clock_mono_ns() +
		(A.hurry ? 0 : AGENT_STOP_FLUSH_MS * NS_PER_MS);
}

/* The loop's signal handler (signalfd; the set is startup_signals'). */
static void on_signal(void *ctx, int signo)
{
	(void)ctx;
	if (signo != SIGUSR1) {
		begin_stop(signo);
		return;
	}
	report();
	testhook_signal(signo);
}

/* Before each wait: write what the handlers emitted, then shutdown. */
static void before_wait(void *ctx)
{
	(void)ctx;
	xport_flush(&A.xp);
	if (A.phase != RUNNING)
		stop_check(NULL, clock_mono_ns());
}

/* ---- set-up and run ---- */

static int setup_ring(const struct config *c, char *why, size_t cap)
{
	void *p = mmap(NULL, c->ring_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fmt_str(why, cap, "ring of %zu bytes: %s", c->ring_bytes,
			 strerror(errno));
		return -1;
	}
	ring_init(&A.ring, p, c->ring_bytes);
	return 0;
}

/* A seed for the backoff jitter. */
static uint64_t seed(void)
{
	uint64_t s;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	return clock_mono_ns() ^ ((uint64_t)getpid() << 32);
}

/* The loop with its signals, the transport, the agent's deadlines. */
static int setup_loop(const struct config *c, char *why, size_t cap)
{
	static const struct xport_hooks hooks = { hook_hello, hook_loss, NULL };
	sigset_t mask;

	A.hb = (struct loop_timer){ 0, on_heartbeat, NULL };
	A.stop = (struct loop_timer){ 0, stop_check, NULL };
	startup_signals(&mask);
	testhook_sigmask(&mask);
	if (loop_init(&A.loop, &mask, on_signal, before_wait, NULL) < 0 ||
	    xport_init(&A.xp, &c->addr, &A.ring, &A.loop, &hooks,
		       c->profile == WIRE_EXTENDED, seed()) < 0 ||
	    loop_timer_add(&A.loop, &A.hb) < 0 ||
	    loop_timer_add(&A.loop, &A.stop) < 0) {
		fmt_str(why, cap, "event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int agent_setup(const struct config *c, char *why, size_t cap)
{
	A.cfg = c;
	self_ident(&A.id);
	if (setup_ring(c, why, cap) < 0 || setup_loop(c, why, cap) < 0 ||
	    probe_arm_all(c, &A.loop, agent_emit, why, cap) < 0)
		return -1;
	A.hb_origin = clock_mono_ns();
	A.hb.at = A.hb_origin + c->heartbeat_ms * NS_PER_MS;
	xport_start(&A.xp);
	return 0;
}

/* After the last frame: close the connection, the loop and the ring. */
static void teardown(void)
{
	xport_stop(&A.xp);
	loop_close(&A.loop);
	munmap(A.ring.buf, A.ring.cap);
}

int agent_run(void)
{
	int rc;

	testhook_loop_starts();
	rc = loop_run(&A.loop);		/* until SIGTERM/SIGINT */
	stop_probes();			/* even after a failure: undo audit */
	if (rc == 0)
		rc = loop_run(&A.loop);	/* the flush and agent.stopping */
	if (rc < 0)
		log_warn("epoll_wait");
	teardown();
	return rc < 0 ? 1 : 0;
}
