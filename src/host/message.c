/*
 * message.c: the messages of message.h.  Each is built with snprintf in
 * the caller's buffer and cut back to a whole UTF-8 character; guest text
 * in it is the wire's (valid UTF-8; json.c escapes what must be).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include "gclock.h"
#include "message.h"
#include "wire/utf8.h"

/* A text key of ev, "" when it does not carry it (fields of keys an
 * event lacks hold stale values). */
static const char *txt(const struct event *ev, int k, size_t *n)
{
	if (!(ev->has & EVK_BIT(k))) {
		*n = 0;
		return "";
	}
	return event_text(ev, k, n);
}

/* A uint key of ev, 0 when it does not carry it. */
static unsigned long long num(const struct event *ev, int k)
{
	return ev->has & EVK_BIT(k) ? (unsigned long long)event_get_uint(ev, k) : 0;
}

#define S(ev, k, n) txt((ev), (k), &(n))

/* vsnprintf, with the result cut to a whole character and its control
 * bytes (a newline in an argument) made spaces: one line. */
__attribute__((format(printf, 3, 4)))
static size_t put(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n, i;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= cap)
		n = (int)utf8_cut((const uint8_t *)out, cap - 1, cap - 1);
	out[n] = 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	return (size_t)n;
}

const char *msg_severity(int source)
{
	switch (source) {
	case PS_AGENT_HEARTBEAT:
		return "debug";
	case PS_CAPABILITY_DENIED:
		return "notice";
	case PS_AGENT_LOSS:
		return "warning";
	default:
		return "info";
	}
}

const char *msg_signame(unsigned sig, char tmp[24])
{
	const char *a = sig < 256 ? sigabbrev_np((int)sig) : NULL;

	if (a)
		snprintf(tmp, 24, "SIG%s", a);
	else if (sig >= (unsigned)SIGRTMIN && sig <= (unsigned)SIGRTMAX)
		snprintf(tmp, 24, "SIGRTMIN+%u", sig - (unsigned)SIGRTMIN);
	else
		snprintf(tmp, 24, "SIG%u", sig);
	return tmp;
}

/* "812 us", "3.2 ms", "1.25 s", "2 h 3 min". */
static const char *duration(uint64_t ns, char tmp[32])
{
	if (ns < NS_PER_MS)
		snprintf(tmp, 32, "%llu us", (unsigned long long)(ns / NS_PER_US));
	else if (ns < NS_PER_SEC)
		snprintf(tmp, 32, "%.1f ms", (double)ns / NS_PER_MS);
	else if (ns < 3600 * NS_PER_SEC)
		snprintf(tmp, 32, "%.2f s", (double)ns / NS_PER_SEC);
	else
		snprintf(tmp, 32, "%llu h %llu min",
			 (unsigned long long)(ns / NS_PER_SEC / 3600),
			 (unsigned long long)(ns / NS_PER_SEC / 60 % 60));
	return tmp;
}

/* The names of the inotify bits of mask, '|'-joined. */
static const char *mask_names(uint64_t mask, char *tmp, size_t cap)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" },
		{ IN_ATTRIB, "ATTRIB" }, { IN_CLOSE_WRITE, "CLOSE_WRITE" },
		{ IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" },
		{ IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" },
		{ IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
		{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_ISDIR, "ISDIR" },
	};
	size_t n = 0, i;

	tmp[0] = 0;
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]) && n + 16 < cap; i++)
		if (mask & bits[i].bit)
			n += (size_t)snprintf(tmp + n, cap - n, "%s%s",
					      n ? "|" : "", bits[i].name);
	return tmp;
}

/* argv text with its separators as spaces, at most cap - 1 bytes. */
static const char *spaced(const char *s, size_t n, char *tmp, size_t cap)
{
	size_t i;

	n = utf8_cut((const uint8_t *)s, n, cap - 1);
	for (i = 0; i < n; i++)
		tmp[i] = s[i] ? s[i] : ' ';
	tmp[n] = 0;
	return tmp;
}

static size_t spawned(char *out, size_t cap, const struct event *ev,
		      const struct msg_who *w)
{
	if (ev->has & EVK_BIT(EVK_SYNTHETIC))
		return put(out, cap, "%.*s[%u] running (parent %u), found by "
			   "a /proc scan", (int)w->name_len, w->name, w->pid,
			   w->ppid);
	if (w->pname)
		return put(out, cap, "%.*s[%u] started by %.*s[%u]",
			   (int)w->name_len, w->name, w->pid,
			   (int)w->pname_len, w->pname, w->ppid);
	if (w->ppid)
		return put(out, cap, "%.*s[%u] started by pid %u",
			   (int)w->name_len, w->name, w->pid, w->ppid);
	return put(out, cap, "%.*s[%u] started", (int)w->name_len, w->name,
		   w->pid);
}

static size_t execed(char *out, size_t cap, const struct event *ev,
		     const struct msg_who *w)
{
	char args[HOST_MESSAGE_MAX];
	size_t en, an;
	const char *exe = S(ev, EVK_EXE, en), *argv = S(ev, EVK_ARGV, an);

	if (!en)
		return put(out, cap, "%.*s[%u] exec (its image was gone before "
			   "the agent read it)", (int)ev->comm.len, ev->comm.s,
			   w->pid);
	return put(out, cap, "%.*s[%u] exec %.*s%s%s", (int)ev->comm.len,
		   ev->comm.s, w->pid, (int)en, exe, an ? ": " : "",
		   spaced(argv, an, args, sizeof(args)));
}

static size_t exited(char *out, size_t cap, const struct event *ev,
		     const struct msg_who *w)
{
	char how[64], sig[24], d[32];

	if (ev->has & EVK_BIT(EVK_EXIT_SIGNAL))
		snprintf(how, sizeof(how), "killed by %s (%llu)",
			 msg_signame((unsigned)ev->exit_signal, sig),
			 num(ev, EVK_EXIT_SIGNAL));
	else if (ev->has & EVK_BIT(EVK_EXIT_CODE))
		snprintf(how, sizeof(how), "exited %llu", num(ev, EVK_EXIT_CODE));
	else
		snprintf(how, sizeof(how), "exited");
	if (w->has_duration)
		return put(out, cap, "%.*s[%u] %s after %s", (int)w->name_len,
			   w->name, w->pid, how, duration(w->duration_ns, d));
	return put(out, cap, "%.*s[%u] %s", (int)w->name_len, w->name, w->pid,
		   how);
}

static size_t net(char *out, size_t cap, const struct event *ev,
		  const struct msg_who *w)
{
	size_t pn, sn, dn, tn;
	const char *proto = S(ev, EVK_PROTO, pn), *src = S(ev, EVK_SRC, sn),
		*dst = S(ev, EVK_DST, dn), *st = S(ev, EVK_STATE, tn);

	return put(out, cap, "%.*s[%u] %s %.*s %.*s%s%.*s%s%.*s%s",
		   (int)w->name_len, w->name, w->pid,
		   ps_name(ev->source) + 4, (int)pn, proto, (int)sn, src,
		   sn ? " -> " : "", (int)dn, dst, tn ? " (" : "", (int)tn, st,
		   tn ? ")" : "");
}

static size_t file(char *out, size_t cap, const struct event *ev,
		   const struct msg_who *w)
{
	char bits[128];
	size_t pn, nn;
	const char *path = S(ev, EVK_PATH, pn), *name = S(ev, EVK_NAME, nn);

	mask_names(num(ev, EVK_MASK), bits, sizeof(bits));
	if (!w->pid)
		return put(out, cap, "%.*s%s%.*s: %s", (int)pn, path,
			   nn ? "/" : "", (int)nn, name, bits);
	return put(out, cap, "%.*s[%u] %.*s%s%.*s: %s", (int)w->name_len,
		   w->name, w->pid, (int)pn, path, nn ? "/" : "", (int)nn,
		   name, bits);
}

static size_t denied(char *out, size_t cap, const struct event *ev,
		     const struct msg_who *w)
{
	const char *e = ev->has & EVK_BIT(EVK_ERRNO) ?
		strerrorname_np((int)ev->err_no) : NULL;

	return put(out, cap, "%.*s[%u] uid %llu: syscall %llu failed %s",
		   (int)w->name_len, w->name, w->pid, num(ev, EVK_UID),
		   num(ev, EVK_SYSCALL), e ? e : "?");
}

static size_t agent(char *out, size_t cap, const struct event *ev)
{
	size_t vn, bn;
	const char *ver = S(ev, EVK_AGENT_VERSION, vn), *boot = S(ev, EVK_BOOT_ID, bn);
	uint64_t lost = 0;
	unsigned i;

	if (ev->source == PS_AGENT_HELLO)
		return put(out, cap, "agent %.*s[%llu] connected: session %llu, "
			   "boot %.*s, next seq %llu", (int)vn, ver,
			   (unsigned long long)ev->pid, num(ev, EVK_SESSION),
			   (int)bn, boot, num(ev, EVK_RESUME_SEQ));
	for (i = 0; (ev->has & EVK_BIT(EVK_DROPPED)) && i < ev->dropped.n; i++)
		lost += ev->dropped.e[i].u;
	return put(out, cap, "agent %s: %llu events made, %llu sent, %llu "
		   "lost; %llu kB", ev->source == PS_AGENT_STOPPING ?
		   "stopping" : "heartbeat", num(ev, EVK_EMITTED),
		   num(ev, EVK_SENT), (unsigned long long)lost, num(ev, EVK_RSS_KB));
}

size_t msg_guest(char *out, size_t cap, const struct event *ev,
		 const struct msg_who *w)
{
	const char *src = ps_name(ev->source);

	switch (ev->source) {
	case PS_PROCESS_SPAWNED: return spawned(out, cap, ev, w);
	case PS_PROCESS_EXEC: return execed(out, cap, ev, w);
	case PS_PROCESS_EXITED: return exited(out, cap, ev, w);
	case PS_CAPABILITY_DENIED: return denied(out, cap, ev, w);
	case PS_AGENT_HELLO: case PS_AGENT_HEARTBEAT: case PS_AGENT_STOPPING:
		return agent(out, cap, ev);
	}
	if (!strncmp(src, "net.", 4))
		return net(out, cap, ev, w);
	if (!strncmp(src, "fs.", 3))
		return file(out, cap, ev, w);
	return put(out, cap, "%.*s[%u] %s", (int)w->name_len, w->name, w->pid,
		   src);
}

size_t msg_loss(char *out, size_t cap, const struct event *ev)
{
	size_t rn;
	const char *why = S(ev, EVK_REASON, rn);

	unsigned long long first = num(ev, EVK_FIRST_SEQ), n = num(ev, EVK_COUNT);

	return put(out, cap, "the agent lost %llu events (seq %llu..%llu): %.*s",
		   n, first, first + n - !!n, (int)rn, why);
}

size_t msg_gap(char *out, size_t cap, uint64_t first, uint64_t count)
{
	return put(out, cap, "%llu events never arrived (seq %llu..%llu)",
		   (unsigned long long)count, (unsigned long long)first,
		   (unsigned long long)(first + count - 1));
}

size_t msg_silenced(char *out, size_t cap, uint64_t ms, const char *since)
{
	return put(out, cap, "no frame for %llu ms, the last at %s",
		   (unsigned long long)ms, since);
}

size_t msg_rejected(char *out, size_t cap, const char *err, size_t bytes)
{
	return put(out, cap, "a frame of %zu bytes was rejected: %s", bytes, err);
}

size_t msg_clock(char *out, size_t cap, int verdict, int64_t jump_ns)
{
	char d[32];
	uint64_t a = (uint64_t)(jump_ns < 0 ? -jump_ns : jump_ns);

	duration(a, d);
	if (verdict == GCLOCK_AHEAD)
		return put(out, cap, "the guest clock jumped %s ahead: its "
			   "frames are timed by their receipt", d);
	if (verdict == GCLOCK_ROSE)
		return put(out, cap, "the guest clock fell %s behind for a "
			   "whole window: followed", d);
	return put(out, cap, "no clock sample for a window: the estimate "
		   "started again, %s %s", d, jump_ns < 0 ? "earlier" : "later");
}

size_t msg_violation(char *out, size_t cap, const struct msg_who *w,
		     const char *kind, const char *value, size_t vlen,
		     const char *file, unsigned line)
{
	if (!w->pid)
		return put(out, cap, "policy: %s %.*s denied by %s:%u", kind,
			   (int)vlen, value, file, line);
	return put(out, cap, "policy: %.*s[%u] %s %.*s denied by %s:%u",
		   (int)w->name_len, w->name, w->pid, kind, (int)vlen, value,
		   file, line);
}
