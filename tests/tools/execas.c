/*
 * execas.c: run a program as a chosen pid, to test pid reuse.
 *
 * usage: execas PID FILE... -- ARG...
 *
 * Forks a child with the pid PID (clone3 with set_tid: CAP_SYS_ADMIN in
 * the initial pid namespace), which execv's each FILE in turn with the
 * arguments ARG... until one succeeds (a failed exec tried first, as
 * execvp does along PATH), exits 127 if none did.  Waits for it and
 * prints "PID STATUS".  Exits 3 when PID is taken (the caller picks
 * another), 1 on any other failure.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	struct clone_args ca;
	pid_t want, pid;
	int i, dash, st;

	for (dash = 2; dash < argc && strcmp(argv[dash], "--") != 0; dash++)
		;
	if (argc < 4 || dash >= argc - 1 || dash == 2) {
		fprintf(stderr, "usage: execas PID FILE... -- ARG...\n");
		return 1;
	}
	want = (pid_t)atol(argv[1]);
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.set_tid = (uint64_t)(uintptr_t)&want;
	ca.set_tid_size = 1;
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0) {
		perror("execas: clone3");
		return errno == EEXIST ? 3 : 1;
	}
	if (pid == 0) {
		for (i = 2; i < dash; i++)
			execv(argv[i], argv + dash + 1);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return perror("execas: waitpid"), 1;
	printf("%d %d\n", (int)pid, st);
	return 0;
}
