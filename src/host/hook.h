/*
 * hook.h: --on-violation CMD: a program run for each violation with the
 * violation's JSON line on its standard input (doc/POLICY.md "The hook").
 *
 * CMD is split at blanks into argv and run with posix_spawn, no shell,
 * in a process group of its own, its stdout and stderr on the
 * receiver's stderr.  Nothing here waits: the JSON goes through a
 * non-blocking pipe (what the pipe does not take at once is written as
 * it drains, from the loop), exits come as SIGCHLD through the loop's
 * signalfd, and a hook still running after HOST_HOOK_TIMEOUT_MS is
 * killed (its group, SIGKILL).  At most HOST_HOOK_MAX run at once and
 * HOST_HOOK_RATE start per second; a violation past either bound gets no
 * hook, counted.  Each exit is logged (a failure as a warning, rate
 * limited) and counted.  Hooks still running when the receiver stops
 * are left to finish, unwaited.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lib/caps.h"
#include "lib/loop.h"

struct hook;

struct hook_slot {
	pid_t pid;			/* 0: free */
	int fd;				/* the pipe's write end, -1 once done */
	uint64_t deadline;		/* monotonic ns: kill after */
	uint8_t killed;
	size_t len, off;		/* of buf: the JSON, written so far */
	char *buf;
	struct loop_fd lfd;
	struct hook *hk;
};

struct hook_stats {
	uint64_t started, ok, failed, timed_out;
	uint64_t busy;			/* dropped: HOST_HOOK_MAX running */
	uint64_t rated;			/* dropped: HOST_HOOK_RATE this second */
	uint64_t spawn_failed;		/* posix_spawn refused (ENOENT, ...) */
	uint64_t input_short;		/* the hook closed stdin before the end */
};

struct hook {
	char *argv[HOST_HOOK_ARGS_MAX + 1];
	char *words;			/* the split copy of CMD */
	struct loop *loop;
	struct loop_timer timer;	/* the earliest deadline */
	struct hook_slot slot[HOST_HOOK_MAX];
	unsigned running;
	unsigned rate;			/* hooks started per second at most */
	uint64_t win_start;		/* the rate's window, and its starts */
	unsigned win_n;
	struct hook_stats st;
};

/* Split cmd into argv (-1: empty or more than HOST_HOOK_ARGS_MAX words;
 * no I/O, for opts.c too). */
int hook_split(const char *cmd, char **words, char **argv);
/* Set up for cmd on loop l (its timer added); -1 with errno. */
int hook_init(struct hook *hk, const char *cmd, unsigned rate,
	      struct loop *l);
/* Run the hook with json[0..n) and a newline on stdin, if the bounds
 * let it; now is CLOCK_MONOTONIC ns. */
void hook_run(struct hook *hk, const char *json, size_t n, uint64_t now);
/* Kill the hooks past their deadline at monotonic now (the hook's timer
 * does it; the receiver's blocked output calls it while it waits). */
void hook_tick(struct hook *hk, uint64_t now);
/* SIGCHLD: collect the hooks that ended. */
void hook_reap(struct hook *hk);
/* At exit: close the pipes; running hooks go on, unwaited. */
void hook_close(struct hook *hk);
