/*
 * fs_actor.c: the actor keys of fs_actor.h and their per-drain cache.
 */
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "agent/actor.h"
#include "fs_actor.h"
#include "lib/caps.h"
#include "lib/fmt.h"
#include "lib/sys.h"

struct seen {
	uint32_t pid;		/* 0: free */
	int alive;		/* /proc/PID/exe was readable */
	int has_uid;
	uint32_t uid;
	uint16_t exe_len;
	uint8_t comm_len;
	char comm[WIRE_COMM_MAX];
	char exe[PROC_EXE_MAX];
};

static struct seen cache[FS_ACTOR_CACHE];
static unsigned next;

void fs_actor_begin(void)
{
	unsigned i;

	for (i = 0; i < FS_ACTOR_CACHE; i++)
		cache[i].pid = 0;
}

/* Read what /proc says of pid into s. */
static void look(int procfd, uint32_t pid, struct seen *s)
{
	char name[32], buf[WIRE_COMM_MAX + 2];
	struct stat st;
	ssize_t n;

	s->pid = pid;
	fmt_str(name, sizeof(name), "%u/exe", pid);
	n = readlinkat(procfd, name, s->exe, sizeof(s->exe));
	s->exe_len = n > 0 ? (uint16_t)n : 0;
	s->alive = n > 0;
	fmt_str(name, sizeof(name), "%u/comm", pid);
	n = sys_read_fileat(procfd, name, buf, sizeof(buf));
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	s->comm_len = n > 0 && n <= WIRE_COMM_MAX ? (uint8_t)n : 0;
	memcpy(s->comm, buf, s->comm_len);
	fmt_str(name, sizeof(name), "%u", pid);
	s->has_uid = fstatat(procfd, name, &st, 0) == 0;
	s->uid = s->has_uid ? (uint32_t)st.st_uid : 0;
}

/* The cached /proc view of pid, read now if not yet this drain. */
static const struct seen *seen(int procfd, uint32_t pid)
{
	unsigned i;

	for (i = 0; i < FS_ACTOR_CACHE; i++)
		if (cache[i].pid == pid)
			return &cache[i];
	i = next++ % FS_ACTOR_CACHE;
	look(procfd, pid, &cache[i]);
	return &cache[i];
}

void fs_actor_keys(int procfd, uint64_t from_ns, struct event *ev)
{
	uint32_t pid = (uint32_t)ev->pid;
	const struct seen *s;
	struct actor a;
	int known;

	if (pid == 0)
		return;			/* outside the agent's pid namespace */
	s = seen(procfd, pid);
	known = actor_lookup_span(pid, from_ns, ev->mono_ns, &a) == 0;
	if (s->comm_len)
		event_set_bytes(ev, EVK_GUEST_COMM, s->comm, s->comm_len);
	else if (known)
		event_set_bytes(ev, EVK_GUEST_COMM, a.comm, a.comm_len);
	if (s->exe_len)
		event_set_bytes(ev, EVK_EXE, s->exe, s->exe_len);
	if (known)
		event_set_uint(ev, EVK_START_NS, a.start_ns);
	if (known && a.has_uid)
		event_set_uint(ev, EVK_UID, a.uid);
	else if (s->has_uid)
		event_set_uint(ev, EVK_UID, s->uid);
}
