/*
 * hook.c: the --on-violation runner of hook.h: spawn, feed, time out,
 * reap.  Each slot owns one child and, while its JSON is not all
 * written, the write end of its stdin pipe in the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hook.h"
#include "lib/clock.h"
#include "lib/log.h"

extern char **environ;

int hook_split(const char *cmd, char **words, char **argv)
{
	char *w = strdup(cmd), *q, *save = NULL;
	int n = 0;

	*words = w;
	if (!w)
		return -1;
	for (q = strtok_r(w, " \t", &save); q; q = strtok_r(NULL, " \t", &save)) {
		if (n == HOST_HOOK_ARGS_MAX)
			return -1;
		argv[n++] = q;
	}
	argv[n] = NULL;
	return n ? 0 : -1;
}

static void on_timer(void *ctx, uint64_t now);
static void on_writable(void *ctx, uint32_t events);

int hook_init(struct hook *hk, const char *cmd, unsigned rate,
	      struct loop *l)
{
	unsigned i;

	memset(hk, 0, sizeof(*hk));
	if (hook_split(cmd, &hk->words, hk->argv) < 0) {
		errno = EINVAL;
		return -1;
	}
	hk->rate = rate;
	hk->loop = l;
	hk->timer = (struct loop_timer){ 0, on_timer, hk };
	for (i = 0; i < HOST_HOOK_MAX; i++) {
		hk->slot[i].fd = -1;
		hk->slot[i].hk = hk;
		if (!(hk->slot[i].buf = malloc(HOST_LINE_MAX + 1)))
			return -1;
	}
	return loop_timer_add(l, &hk->timer);
}

/* The timer at the earliest deadline of a running hook not yet killed. */
static void arm(struct hook *hk)
{
	uint64_t at = 0;
	unsigned i;

	for (i = 0; i < HOST_HOOK_MAX; i++)
		if (hk->slot[i].pid && !hk->slot[i].killed &&
		    (!at || hk->slot[i].deadline < at))
			at = hk->slot[i].deadline;
	hk->timer.at = at;
}

/* Done writing (all of it, or the hook does not read): close the pipe. */
static void feed_end(struct hook_slot *s, int in_loop)
{
	if (s->fd < 0)
		return;
	if (in_loop)
		loop_del(s->hk->loop, &s->lfd);
	close(s->fd);
	s->fd = -1;
}

/* Write what the pipe takes; 1 while some is left. */
static int feed(struct hook_slot *s)
{
	ssize_t w;

	while (s->off < s->len) {
		w = write(s->fd, s->buf + s->off, s->len - s->off);
		if (w > 0) {
			s->off += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			return 1;
		} else {
			s->hk->st.input_short++;	/* EPIPE: it left */
			return 0;
		}
	}
	return 0;
}

static void on_writable(void *ctx, uint32_t events)
{
	struct hook_slot *s = ctx;

	(void)events;
	if (s->fd < 0)
		return;			/* reaped earlier in this pass */
	if (!feed(s))
		feed_end(s, 1);
}

/* posix_spawn the hook on a pipe's read end; the child's pid or -1. */
static pid_t spawn(struct hook *hk, int rfd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	pid_t pid = -1;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);		/* ignored here, default there */
	sigaddset(&dfl, SIGXFSZ);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, rfd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	rc = posix_spawn(&pid, hk->argv[0], &fa, &at, hk->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		return -1;
	}
	return pid;
}

/* 1 when the bounds let one more hook start now (then counted). */
static int admit(struct hook *hk, uint64_t now)
{
	if (hk->running == HOST_HOOK_MAX) {
		hk->st.busy++;
		LOG_RL(log_warnx, "on-violation: %d hooks running: this "
		       "violation gets none", HOST_HOOK_MAX);
		return 0;
	}
	if (now - hk->win_start >= NS_PER_SEC) {
		hk->win_start = now;
		hk->win_n = 0;
	}
	if (hk->win_n == hk->rate) {
		hk->st.rated++;
		LOG_RL(log_warnx, "on-violation: %u hooks started this second: "
		       "this violation gets none", hk->rate);
		return 0;
	}
	hk->win_n++;
	return 1;
}

void hook_run(struct hook *hk, const char *json, size_t n, uint64_t now)
{
	struct hook_slot *s = hk->slot;
	int p[2] = { -1, -1 };
	pid_t pid = -1;

	if (!admit(hk, now) || n > HOST_LINE_MAX)
		return;
	while (s->pid)
		s++;
	if (pipe2(p, O_CLOEXEC) == 0 && fcntl(p[1], F_SETFL, O_NONBLOCK) == 0)
		pid = spawn(hk, p[0]);
	if (p[0] >= 0)
		close(p[0]);
	if (pid < 0) {
		hk->st.spawn_failed++;
		LOG_RL(log_warn, "on-violation: %s", hk->argv[0]);
		if (p[1] >= 0)
			close(p[1]);
		return;
	}
	s->pid = pid;
	hk->st.started++;
	hk->running++;
	memcpy(s->buf, json, n);
	s->buf[n] = '\n';
	s->len = n + 1;
	s->off = 0;
	s->fd = p[1];
	s->killed = 0;
	s->deadline = now + (uint64_t)HOST_HOOK_TIMEOUT_MS * NS_PER_MS;
	s->lfd = (struct loop_fd){ s->fd, on_writable, s };
	if (!feed(s))
		feed_end(s, 0);
	else if (loop_add(hk->loop, &s->lfd, EPOLLOUT) < 0)
		feed_end(s, 0);
	arm(hk);
}

/* Kill the hooks past their deadline (their group: a script's children
 * too); SIGCHLD reaps them. */
void hook_tick(struct hook *hk, uint64_t now)
{
	unsigned i;

	for (i = 0; i < HOST_HOOK_MAX; i++) {
		struct hook_slot *s = &hk->slot[i];

		if (s->pid && !s->killed && s->deadline <= now) {
			s->killed = 1;
			kill(-s->pid, SIGKILL);
			kill(s->pid, SIGKILL);	/* should it have left its group */
		}
	}
	arm(hk);
}

static void on_timer(void *ctx, uint64_t now)
{
	hook_tick(ctx, now);
}

/* Log and count how s's child ended. */
static void ended(struct hook *hk, struct hook_slot *s, int status)
{
	const char *cmd = hk->argv[0];

	if (s->killed) {
		hk->st.timed_out++;
		LOG_RL(log_warnx, "on-violation: %s [%d] killed after %d ms",
		       cmd, (int)s->pid, HOST_HOOK_TIMEOUT_MS);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		hk->st.ok++;
		log_info("on-violation: %s [%d] exited 0", cmd, (int)s->pid);
	} else {
		hk->st.failed++;
		if (WIFEXITED(status))
			LOG_RL(log_warnx, "on-violation: %s [%d] exited %d", cmd,
			       (int)s->pid, WEXITSTATUS(status));
		else
			LOG_RL(log_warnx, "on-violation: %s [%d] killed by "
			       "signal %d", cmd, (int)s->pid, WTERMSIG(status));
	}
}

void hook_reap(struct hook *hk)
{
	unsigned i;
	int status;

	for (i = 0; i < HOST_HOOK_MAX; i++) {
		struct hook_slot *s = &hk->slot[i];

		if (!s->pid || waitpid(s->pid, &status, WNOHANG) != s->pid)
			continue;
		ended(hk, s, status);
		feed_end(s, 1);
		s->pid = 0;
		hk->running--;
	}
	arm(hk);
}

void hook_close(struct hook *hk)
{
	unsigned i;

	for (i = 0; i < HOST_HOOK_MAX; i++) {
		if (hk->slot[i].fd >= 0)
			close(hk->slot[i].fd);
		hk->slot[i].fd = -1;
	}
}
