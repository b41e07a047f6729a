/*
 * startup.h: the agent's process start-up (doc/DESIGN.md §3 "Start-up").
 *
 * The parent forks and waits on a pipe until the child says its probes
 * are armed, then exits 0, so init starts the workload knowing the agent
 * watches; or it exits 1 with the child's reason.  `-f` skips the fork:
 * the same messages then go to stderr.  Also the process-wide settings:
 * oom_score_adj -1000 and what each signal does.
 */
#pragma once
#include <signal.h>

/* Fork; only the child returns (the parent exits with the outcome). */
void startup_fork(void);
/* oom_score_adj and signal dispositions; failures are logged, not fatal. */
void startup_process(void);
/* The signals the loop takes (stop, report), blocked by startup_process. */
void startup_signals(sigset_t *set);
/* Set-up is done: let the parent go. */
void startup_armed(void);
/* Set-up failed: the parent (or stderr with -f) gets why; exit 1. */
void startup_failed(const char *why) __attribute__((noreturn));
