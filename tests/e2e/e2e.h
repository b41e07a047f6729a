/*
 * e2e.h: the pieces of the e2e guest's /init (init.c, child.c, step.c).
 *
 * Everything here runs only as PID 1 of the QEMU test guest.  Output goes
 * to the serial console as lines that start with "E2E " (check.py reads
 * them); the children's own output is left as it is.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* A step's own output longer than this is cut in its report line. */
#define E2E_DETAIL_MAX		256
/* Children one wait can follow at once (a `stop` of many processes). */
#define E2E_WAIT_MAX		16
/* Seconds a killed step has to die before init gives up on it. */
#define E2E_KILL_GRACE_S	5

/* init.c: print "E2E " and the formatted text as one line. */
void e2e_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* init.c: report one step as "E2E STEP NAME ok|FAIL DETAIL"; counts fails. */
void e2e_step(const char *name, int ok, const char *detail);
/* init.c: CLOCK_MONOTONIC in nanoseconds. */
uint64_t e2e_now_ns(void);

/* child.c: block SIGCHLD so child_wait can sleep on it; call once. */
void child_init(void);
/* child.c: fork and exec argv[0] in its own process group, stdin from
 * /dev/null, stdout to `out` (truncated) or the console when NULL.
 * Returns the pid, or -1 with errno. */
pid_t child_spawn(char *const argv[], const char *out);
/* child.c: wait until each of pids[0..n) has exited or deadline_ns
 * passes; st[i] gets its wait status, or -1 if it still runs.  Other
 * children exiting meanwhile are reaped and reported.  Returns how many
 * still run. */
int child_wait(const pid_t *pids, int *st, int n, uint64_t deadline_ns);
/* child.c: reap children until none is left or deadline_ns passes;
 * returns how many were reaped. */
int child_reap_all(uint64_t deadline_ns);
/* child.c: pids of up to `max` processes whose /proc/PID/exe is `exe`. */
int child_find_exe(const char *exe, pid_t *pids, int max);
/* child.c: "exit=N", "signal=N" or "running" for a wait status. */
const char *child_status(int st, char *buf, size_t cap);

/* step.c: run the steps of `path`, each reported by e2e_step; returns 0,
 * or -1 when the file cannot be read or is too large. */
int step_run_file(const char *path);
