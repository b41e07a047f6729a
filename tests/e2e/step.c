/*
 * step.c: the e2e guest's step runner, driven by a plain text file.
 *
 * One step a line, words separated by blanks, no quoting ('#' starts a
 * comment line); anything that needs a shell is a script run by one:
 *
 *   run   NAME SECS [>FILE] PROG ARGS...  run PROG, wait at most SECS;
 *                                          ok when it exits 0
 *   start NAME [>FILE] PROG ARGS...        start PROG in the background
 *   stop  NAME SECS EXE                    SIGTERM each child of init
 *                                          running EXE (as /proc/PID/exe
 *                                          shows it: links resolved); ok
 *                                          when there was one and each
 *                                          exited 0 within SECS
 *   kill  NAME SECS EXE                    SIGKILL each child of init
 *                                          running EXE; ok when there was
 *                                          one and each died of it within
 *                                          SECS
 *   wait  NAME SECS FILE TEXT              ok once FILE holds TEXT (one
 *                                          word), polled every 20 ms for at
 *                                          most SECS
 *   dump  NAME FILE                        copy FILE to the console:
 *                                          "E2E BEGIN NAME", "E2E| LINE"
 *                                          each, "E2E END NAME N"
 *
 * Each step is reported by e2e_step; a failed step does not stop the
 * ones after it.  PROG is a path (no PATH search).  Not a shell: no
 * variables, no pipes, no conditionals.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"

/* The step file is small: a few dozen lines. */
#define STEP_FILE_MAX	(64 * 1024)
/* Words on one step line, PROG and its arguments included. */
#define STEP_WORDS_MAX	32
/* The TEXT of a `wait`: one word, a small part of a read chunk. */
#define STEP_TEXT_MAX	256
/* A `wait` reads its file in chunks of this size. */
#define STEP_READ_CHUNK	(64 * 1024)

/* Seconds from a word; -1 unless it is a whole number 1..3600. */
static int step_secs(const char *w)
{
	char *end;
	long v = strtol(w, &end, 10);

	return (*end || v < 1 || v > 3600) ? -1 : (int)v;
}

/* `run NAME SECS [>FILE] PROG ARGS...` (w[0] is "run"). */
static void step_run(char **w, int n)
{
	char detail[E2E_DETAIL_MAX], sbuf[32];
	int secs, argi = 3, st;
	const char *out = NULL;
	uint64_t t0 = e2e_now_ns();
	pid_t pid;

	secs = n > 3 ? step_secs(w[2]) : -1;
	if (n > 4 && w[3][0] == '>')
		out = w[argi++] + 1;
	if (secs < 0 || argi >= n) {
		e2e_step(w[1], 0, "usage: run NAME SECS [>FILE] PROG ARGS...");
		return;
	}
	pid = child_spawn(w + argi, out);
	if (pid < 0) {
		e2e_step(w[1], 0, strerror(errno));
		return;
	}
	if (child_wait(&pid, &st, 1, t0 + secs * 1000000000ull) > 0) {
		kill(-pid, SIGKILL);
		child_wait(&pid, &st, 1, e2e_now_ns() + E2E_KILL_GRACE_S * 1000000000ull);
		snprintf(detail, sizeof(detail), "timeout=%ds killed", secs);
		e2e_step(w[1], 0, detail);
		return;
	}
	snprintf(detail, sizeof(detail), "%s ms=%llu", child_status(st, sbuf, sizeof(sbuf)),
		 (unsigned long long)((e2e_now_ns() - t0) / 1000000));
	e2e_step(w[1], st == 0, detail);
}

/* `start NAME [>FILE] PROG ARGS...`. */
static void step_start(char **w, int n)
{
	char detail[E2E_DETAIL_MAX];
	const char *out = NULL;
	int argi = 2;
	pid_t pid;

	if (n > 3 && w[2][0] == '>')
		out = w[argi++] + 1;
	if (argi >= n) {
		e2e_step(w[1], 0, "usage: start NAME [>FILE] PROG ARGS...");
		return;
	}
	pid = child_spawn(w + argi, out);
	if (pid < 0) {
		e2e_step(w[1], 0, strerror(errno));
		return;
	}
	snprintf(detail, sizeof(detail), "pid=%d", (int)pid);
	e2e_step(w[1], 1, detail);
}

/* 1 when pid's parent is init (so init can reap it and see its status). */
static int step_is_child(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (p && sscanf(p, ") %*c %d", &ppid) != 1)
		ppid = 0;
	return ppid == 1;
}

/* `stop NAME SECS EXE` (SIGTERM, ok on exit 0) or `kill NAME SECS EXE`
 * (SIGKILL, ok when it killed them). */
static void step_stop(char **w, int n, int sig)
{
	char detail[E2E_DETAIL_MAX], sbuf[32];
	pid_t pids[E2E_WAIT_MAX];
	int st[E2E_WAIT_MAX], i, np, secs, ok = 1;
	uint64_t t0 = e2e_now_ns();
	size_t len = 0;

	secs = n == 4 ? step_secs(w[2]) : -1;
	np = secs < 0 ? 0 : child_find_exe(w[3], pids, E2E_WAIT_MAX);
	for (i = 0; i < np; i++)
		if (!step_is_child(pids[i]))
			pids[i--] = pids[--np];
	if (np == 0) {
		e2e_step(w[1], 0, secs < 0 ? "usage: stop|kill NAME SECS EXE" :
			 "no such child of init");
		return;
	}
	for (i = 0; i < np; i++)
		kill(pids[i], sig);
	child_wait(pids, st, np, e2e_now_ns() + secs * 1000000000ull);
	for (i = 0; i < np; i++) {
		if (st[i] == -1)
			kill(pids[i], SIGKILL);
		ok &= sig == SIGTERM ? st[i] == 0 :
			st[i] != -1 && WIFSIGNALED(st[i]) && WTERMSIG(st[i]) == sig;
		len += snprintf(detail + len, sizeof(detail) - len, "%spid=%d %s",
				i ? " " : "", (int)pids[i], child_status(st[i], sbuf, sizeof(sbuf)));
		if (len >= sizeof(detail))
			break;
	}
	if (len < sizeof(detail))
		snprintf(detail + len, sizeof(detail) - len, " ms=%llu",
			 (unsigned long long)((e2e_now_ns() - t0) / 1000000));
	e2e_step(w[1], ok, detail);
}

/* 1 when the file at path holds text (of length tn >= 1), else 0. */
static int step_holds(const char *path, const char *text, size_t tn)
{
	static char buf[STEP_READ_CHUNK];
	size_t keep = 0;
	ssize_t len;
	int fd, found = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (!found && (len = read(fd, buf + keep, sizeof(buf) - keep)) > 0) {
		len += keep;
		found = memmem(buf, len, text, tn) != NULL;
		keep = (size_t)len < tn - 1 ? (size_t)len : tn - 1;
		memmove(buf, buf + len - keep, keep);	/* a match across reads */
	}
	close(fd);
	return found;
}

/* `wait NAME SECS FILE TEXT`. */
static void step_wait(char **w, int n)
{
	char detail[E2E_DETAIL_MAX];
	uint64_t t0 = e2e_now_ns(), deadline;
	int secs = n == 5 ? step_secs(w[2]) : -1, found;

	if (secs < 0 || strlen(w[4]) > STEP_TEXT_MAX) {
		e2e_step(w[1], 0, "usage: wait NAME SECS FILE TEXT");
		return;
	}
	deadline = t0 + secs * 1000000000ull;
	while (!(found = step_holds(w[3], w[4], strlen(w[4]))) && e2e_now_ns() < deadline)
		usleep(20000);
	snprintf(detail, sizeof(detail), "%s ms=%llu", found ? "found" : "timeout",
		 (unsigned long long)((e2e_now_ns() - t0) / 1000000));
	e2e_step(w[1], found, detail);
}

/* `dump NAME FILE`. */
static void step_dump(char **w, int n)
{
	char detail[E2E_DETAIL_MAX], *line = NULL;
	size_t cap = 0, lines = 0;
	ssize_t len;
	FILE *f;

	f = n == 3 ? fopen(w[2], "re") : NULL;
	if (!f) {
		e2e_step(w[1], 0, n == 3 ? strerror(errno) : "usage: dump NAME FILE");
		return;
	}
	e2e_say("BEGIN %s", w[1]);
	while ((len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		printf("E2E| %s\n", line);
		lines++;
	}
	fflush(stdout);
	e2e_say("END %s %zu", w[1], lines);
	free(line);
	fclose(f);
	snprintf(detail, sizeof(detail), "lines=%zu", lines);
	e2e_step(w[1], 1, detail);
}

/* Split one line into words; runs the step it names. */
static void step_line(char *line)
{
	char *w[STEP_WORDS_MAX + 1], *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == STEP_WORDS_MAX) {
			e2e_step(w[1], 0, "too many words");
			return;
		}
		w[n++] = tok;
	}
	w[n] = NULL;
	if (n == 0 || w[0][0] == '#')
		return;
	if (n < 2)
		e2e_step(w[0], 0, "no step name");
	else if (strcmp(w[0], "run") == 0)
		step_run(w, n);
	else if (strcmp(w[0], "start") == 0)
		step_start(w, n);
	else if (strcmp(w[0], "stop") == 0)
		step_stop(w, n, SIGTERM);
	else if (strcmp(w[0], "kill") == 0)
		step_stop(w, n, SIGKILL);
	else if (strcmp(w[0], "wait") == 0)
		step_wait(w, n);
	else if (strcmp(w[0], "dump") == 0)
		step_dump(w, n);
	else
		e2e_step(w[1], 0, "unknown verb");
}

/* Run the steps of `path`; see e2e.h. */
int step_run_file(const char *path)
{
	static char buf[STEP_FILE_MAX];
	char *line, *save = NULL;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0 || len == sizeof(buf) - 1)
		return -1;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		step_line(line);
	return 0;
}
