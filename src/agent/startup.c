/*
 * startup.c: fork, the "armed" pipe, and process-wide settings.
 *
 * The child reports once on the pipe: "armed\n" or "fail <why>\n".  The
 * parent prints a failure and exits 1; if the child dies before saying
 * anything the parent reaps it and exits 1 too, and one that says nothing
 * within AGENT_READY_TIMEOUT_MS is stuck: the parent kills it and exits 1.
 * And the process-wide settings: oom_score_adj and what each signal does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/caps.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/nitems.h"
#include "lib/sys.h"
#include "startup.h"
#include "testhook.h"

static int report_fd = -1;

/* Read the child's report until EOF or the deadline `end`; the bytes
 * read, or -1 when the deadline passed first. */
static ssize_t read_report(int fd, char *buf, size_t cap, uint64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t now;
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		now = clock_mono_ns();
		if (now >= end)
			return -1;
		n = poll(&pfd, 1, (int)((end - now) / NS_PER_MS) + 1);
		if (n == 0 || (n < 0 && errno == EINTR))
			continue;
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* The parent: read the child's one report, exit with it. */
static void parent_wait(int fd, pid_t child) __attribute__((noreturn));
static void parent_wait(int fd, pid_t child)
{
	uint32_t ms = testhook_ready_timeout_ms(AGENT_READY_TIMEOUT_MS);
	char buf[512];
	ssize_t got;

	got = read_report(fd, buf, sizeof(buf) - 1,
			  clock_mono_ns() + ms * NS_PER_MS);
	if (got < 0)	/* stuck: a SIGTERM would wait on its signalfd */
		kill(child, SIGKILL);
	buf[got < 0 ? 0 : got] = '\0';
	if (strcmp(buf, "armed\n") == 0)
		exit(0);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (got < 0) {
		log_warnx("the agent (pid %d) did not report within %u ms: "
			  "killed it", (int)child, ms);
	} else if (strncmp(buf, "fail ", 5) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		log_warnx("%s", buf + 5);
	} else {
		log_warnx("the agent exited during set-up");
	}
	exit(1);
}

void startup_fork(void)
{
	int p[2], nul;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	report_fd = p[1];
	if (setsid() < 0)
		log_warn("setsid");
	nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul >= 0 && dup2(nul, STDIN_FILENO) >= 0 && nul != STDIN_FILENO)
		close(nul);
}

/*
 * What every signal does (cellos-telemetry(8), SIGNALS); KILL and STOP
 * cannot be caught, CHLD, CONT, URG and WINCH keep their harmless
 * defaults, and the real-time signals are ignored.  The loop's signals
 * are blocked from start-up on, so one that comes before the loop runs
 * waits for it instead of ending the agent.
 */
static const int loop_signals[] = {	/* read from the loop's signalfd */
	SIGTERM, SIGINT, SIGQUIT, SIGXCPU,	/* stop, flushing */
	SIGUSR1,				/* the counters on stderr */
};
static const int ignored[] = {		/* nothing for the agent to do */
	SIGHUP, SIGPIPE, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,
	SIGPWR, SIGSTKFLT, SIGTSTP, SIGTTIN, SIGTTOU, SIGXFSZ,
};
static const struct { int signo; const char *name; } faults[] = {
	{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGILL, "SIGILL" },
	{ SIGFPE, "SIGFPE" }, { SIGABRT, "SIGABRT" }, { SIGTRAP, "SIGTRAP" },
	{ SIGSYS, "SIGSYS" },
};

void startup_signals(sigset_t *set)
{
	size_t i;

	sigemptyset(set);
	for (i = 0; i < nitems(loop_signals); i++)
		sigaddset(set, loop_signals[i]);
}

/* A fault, or someone's kill with a fault's number: say so, then die of
 * it (SA_RESETHAND restored the default action; async-signal-safe). */
static void on_fault(int signo)
{
	static const char head[] = "cellos-telemetry: ";
	static const char tail[] = ": exiting at once, ring not flushed, "
				   "no agent.stopping\n";
	const char *name = "a fault signal";
	size_t i;

	for (i = 0; i < nitems(faults); i++)
		if (faults[i].signo == signo)
			name = faults[i].name;
	(void)!write(STDERR_FILENO, head, sizeof(head) - 1);
	(void)!write(STDERR_FILENO, name, strlen(name));
	(void)!write(STDERR_FILENO, tail, sizeof(tail) - 1);
	raise(signo);
}

/* Ignore signal s at the kernel: libc refuses to touch the numbers below
 * SIGRTMIN it keeps for its threads (musl 32..34, glibc 32..33), which a
 * single-threaded agent never uses but a kill with one would end. */
static void kernel_ignore(int s)
{
	struct { void *handler; unsigned long flags; void *restorer;
		 unsigned long mask; } ka = { SIG_IGN, 0, NULL, 0 };

	if (syscall(SYS_rt_sigaction, s, &ka, NULL, sizeof(ka.mask)) < 0)
		log_warn("ignoring signal %d", s);
}

/* Every disposition of the table above. */
static void set_signals(void)
{
	struct sigaction sa = { .sa_handler = on_fault,
				.sa_flags = SA_RESETHAND };
	sigset_t loop;
	size_t i;
	int s;

	startup_signals(&loop);
	sigprocmask(SIG_BLOCK, &loop, NULL);
	for (i = 0; i < nitems(ignored); i++)
		signal(ignored[i], SIG_IGN);
	for (s = 32; s < SIGRTMIN; s++)
		kernel_ignore(s);
	for (s = SIGRTMIN; s <= SIGRTMAX; s++)
		signal(s, SIG_IGN);
	sigfillset(&sa.sa_mask);
	for (i = 0; i < nitems(faults); i++)
		sigaction(faults[i].signo, &sa, NULL);
}

void startup_process(void)
{
	int fd;

	set_signals();
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || sys_write_all(fd, "-1000", 5) < 0)
		log_warn("oom_score_adj -1000 (needs CAP_SYS_RESOURCE), running "
			 "without OOM protection");
	if (fd >= 0)
		close(fd);
}

void startup_armed(void)
{
	if (report_fd < 0)
		return;
	if (sys_write_all(report_fd, "armed\n", 6) < 0)
		log_warn("start-up pipe");
	close(report_fd);
	report_fd = -1;
}

void startup_failed(const char *why)
{
	char buf[512];
	int n;

	if (report_fd < 0) {
		log_warnx("%s", why);
		exit(1);
	}
	n = fmt_str(buf, sizeof(buf), "fail %s\n", why);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	(void)!sys_write_all(report_fd, buf, (size_t)n);
	exit(1);
}
