/*
 * testhook.h: the one seam between the agent and its test build.
 *
 * build/test/cellos-telemetry is the agent compiled with
 * -DAGENT_TEST_SOURCE and linked with tests/agent/ (a synthetic event
 * source behind hidden --test-* flags, and a malloc trap); the
 * integration tests run it and it is never installed.  In the release
 * build every hook here is empty or a constant, so the agent calls them
 * without an #ifdef of its own, and the release binary has none of it.
 */
#pragma once
#include <signal.h>
#include <stdint.h>

#ifdef AGENT_TEST_SOURCE
#include <getopt.h>

struct probe_ops;
/* tests/agent/synth.c: the "synth" probe, last in the registry. */
extern const struct probe_ops synth_ops;
#define TESTHOOK_PROBES		{ .ops = &synth_ops },
/* Its hidden flags, as getopt_long entries that return 'T'. */
#define TESTHOOK_OPTIONS \
	{ "test-events", required_argument, NULL, 'T' }, \
	{ "test-arm", required_argument, NULL, 'T' }, \
	{ "test-arm-delay", required_argument, NULL, 'T' }, \
	{ "test-mark", required_argument, NULL, 'T' }, \
	{ "test-malloc", no_argument, NULL, 'T' }, \
	{ "test-ready-timeout", required_argument, NULL, 'T' },
/* Tests run inside a Firecracker guest: AF_VSOCK would reach its host. */
#define TESTHOOK_NO_VSOCK	1

/* One hidden flag; 0, or -1 after saying why. */
int testhook_option(const char *name, const char *val);
/* The hidden flags' lines of -h. */
void testhook_usage(int fd);
/* Add the signals the test build handles (SIGUSR1: one more burst). */
void testhook_sigmask(sigset_t *mask);
/* A signal the agent itself does not handle. */
void testhook_signal(int signo);
/* The loop starts: from now on any malloc aborts (tests/agent/nomalloc.c). */
void testhook_loop_starts(void);
/* How long the parent waits for the child's report (--test-ready-timeout,
 * else ms). */
uint32_t testhook_ready_timeout_ms(uint32_t ms);

#else

#define TESTHOOK_PROBES
#define TESTHOOK_OPTIONS
#define TESTHOOK_NO_VSOCK	0

static inline int testhook_option(const char *name, const char *val)
{
	(void)name, (void)val;
	return -1;
}

static inline void testhook_usage(int fd)
{
	(void)fd;
}

static inline void testhook_sigmask(sigset_t *mask)
{
	(void)mask;
}

static inline void testhook_signal(int signo)
{
	(void)signo;
}

static inline void testhook_loop_starts(void)
{
}

static inline uint32_t testhook_ready_timeout_ms(uint32_t ms)
{
	return ms;
}

#endif
