/*
 * child.c: starting, waiting for and reaping the e2e guest's processes.
 *
 * /init is every orphan's parent, so it reaps them all; a process no step
 * is waiting for is reported when it goes ("E2E REAPED pid comm status"),
 * which is how check.py sees, say, an agent killed by SIGKILL.  SIGCHLD
 * stays blocked and is only ever waited for with sigtimedwait: no
 * handlers.  It does not manage process trees beyond one process group.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

static char *const child_env[] = { "PATH=/bin", "HOME=/", "TERM=dumb", NULL };

/* Block SIGCHLD so child_wait can sleep on it; call once. */
void child_init(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* In the child: signals, process group and stdio, then exec. */
static void child_exec(char *const argv[], const char *out)
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (out) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			dprintf(2, "e2e: %s: %s\n", out, strerror(errno));
			_exit(127);
		}
		dup2(fd, 1);
		close(fd);
	}
	execve(argv[0], argv, child_env);
	dprintf(2, "e2e: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Fork and exec argv[0]; see e2e.h. */
pid_t child_spawn(char *const argv[], const char *out)
{
	pid_t pid = fork();

	if (pid == 0)
		child_exec(argv, out);
	if (pid > 0)
		setpgid(pid, pid);	/* also here: a kill(-pid) may come first */
	return pid;
}

/* "exit=N", "signal=N" or "running" for a wait status (-1: running). */
const char *child_status(int st, char *buf, size_t cap)
{
	if (st == -1)
		snprintf(buf, cap, "running");
	else if (WIFSIGNALED(st))
		snprintf(buf, cap, "signal=%d", WTERMSIG(st));
	else
		snprintf(buf, cap, "exit=%d", WEXITSTATUS(st));
	return buf;
}

/* Reap every child that has exited; a watched one's status goes to st[],
 * any other is reported with its comm (read before the zombie goes).
 * Returns how many were reaped. */
static int reap_ready(const pid_t *pids, int *st, int n)
{
	char path[64], comm[32] = "?", sbuf[32];
	int reaped = 0;

	for (;;) {
		siginfo_t si = { 0 };
		int status, i, fd;
		ssize_t len;

		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return reaped;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)si.si_pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		len = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (len > 1)
			comm[len - 1] = '\0';
		else
			strcpy(comm, "?");
		if (waitpid(si.si_pid, &status, 0) < 0)
			return reaped;
		reaped++;
		for (i = 0; i < n && pids[i] != si.si_pid; i++)
			;
		if (i < n)
			st[i] = status;
		else
			e2e_say("REAPED %d %s %s", (int)si.si_pid, comm,
				child_status(status, sbuf, sizeof(sbuf)));
	}
}

/* Sleep until SIGCHLD or deadline_ns; 0 on SIGCHLD, -1 at the deadline. */
static int sleep_chld(uint64_t deadline_ns)
{
	uint64_t now = e2e_now_ns();
	struct timespec ts;
	sigset_t set;

	if (now >= deadline_ns)
		return -1;
	ts.tv_sec = (deadline_ns - now) / 1000000000u;
	ts.tv_nsec = (deadline_ns - now) % 1000000000u;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigtimedwait(&set, NULL, &ts) < 0 && errno == EAGAIN)
		return -1;
	return 0;
}

/* Wait for pids[0..n) until deadline_ns; see e2e.h. */
int child_wait(const pid_t *pids, int *st, int n, uint64_t deadline_ns)
{
	int i, left;

	for (i = 0; i < n; i++)
		st[i] = -1;
	for (;;) {
		reap_ready(pids, st, n);
		for (i = 0, left = 0; i < n; i++)
			left += st[i] == -1;
		if (left == 0 || sleep_chld(deadline_ns) < 0)
			break;
	}
	reap_ready(pids, st, n);
	for (i = 0, left = 0; i < n; i++)
		left += st[i] == -1;
	return left;
}

/* Reap children until none is left or deadline_ns passes; see e2e.h. */
int child_reap_all(uint64_t deadline_ns)
{
	int reaped = 0;

	for (;;) {
		reaped += reap_ready(NULL, NULL, 0);
		if (waitid(P_ALL, 0, &(siginfo_t){ 0 }, WEXITED | WNOHANG | WNOWAIT) < 0 &&
		    errno == ECHILD)
			return reaped;
		if (sleep_chld(deadline_ns) < 0)
			return reaped;
	}
}

/* Pids of up to `max` processes running `exe`; see e2e.h. */
int child_find_exe(const char *exe, pid_t *pids, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[64], target[256];
	int n = 0;

	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		ssize_t len;
		int pid = atoi(de->d_name);

		if (pid <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, exe) == 0)
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}
