/*
 * net_bpfsys.c: bpf(2) for set-up (maps, program load, cgroup attach).
 *
 * The verifier log buffer is static and used only when a load failed, to
 * say why; nothing here runs once the loop does except bpfsys_map_get.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/caps.h"
#include "net_bpfsys.h"
#include "lib/fmt.h"
#include "lib/nitems.h"

static char verifier_log[NET_BPF_LOG];

/* bpf(2); glibc and musl have no wrapper. */
static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* Copy an object name, cut to what the kernel takes. */
static void set_name(char *dst, const char *name)
{
	if (name)
		strncpy(dst, name, BPF_OBJ_NAME_LEN - 1);
}

int bpfsys_map_new(int type, uint32_t key_size, uint32_t value_size,
		   uint32_t max_entries, const char *name)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = (uint32_t)type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	set_name(a.map_name, name);
	fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0 && errno == EINVAL && name) {
		/* Kernels before 4.15 refuse names. */
		memset(a.map_name, 0, sizeof(a.map_name));
		fd = sys_bpf(BPF_MAP_CREATE, &a);
	}
	return fd;
}

/* BPF_PROG_LOAD, with the verifier log on or off. */
static int prog_load(union bpf_attr *a, int log)
{
	a->log_level = log ? 1 : 0;
	a->log_buf = log ? (uint64_t)(uintptr_t)verifier_log : 0;
	a->log_size = log ? sizeof(verifier_log) : 0;
	if (log)
		verifier_log[0] = '\0';
	return sys_bpf(BPF_PROG_LOAD, a);
}

int bpfsys_prog_new(int prog_type, int attach_type, const char *name,
		    const struct bpf_insn *insns, size_t n,
		    char *why, size_t whycap)
{
	static const char license[] = "Dual MIT/GPL";
	char reason[MECH_WHY_MAX];
	union bpf_attr a;
	int fd, err;

	memset(&a, 0, sizeof(a));
	a.prog_type = (uint32_t)prog_type;
	a.expected_attach_type = (uint32_t)attach_type;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t)license;
	set_name(a.prog_name, name);
	fd = prog_load(&a, 0);
	if (fd >= 0)
		return fd;
	err = errno;
	/* Load again with the log on, only to learn why. */
	fd = prog_load(&a, 1);
	if (fd >= 0)
		return fd;
	if (bpfsys_log_reason(verifier_log, strnlen(verifier_log,
			sizeof(verifier_log)), reason, sizeof(reason)) > 0)
		fmt_str(why, whycap, "verifier: %s", reason);
	else
		fmt_str(why, whycap, "BPF_PROG_LOAD: %s", strerror(err));
	errno = err;
	return -1;
}

int bpfsys_attach(int prog_fd, int cgroup_fd, int attach_type, int *link_fd)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog_fd;
	a.link_create.target_fd = (uint32_t)cgroup_fd;
	a.link_create.attach_type = (uint32_t)attach_type;
	*link_fd = -1;
	fd = sys_bpf(BPF_LINK_CREATE, &a);
	if (fd >= 0) {
		*link_fd = fd;
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
	/* No bpf_link for cgroups (before 5.7): a multi attachment. */
	return bpfsys_attach_multi(prog_fd, cgroup_fd, attach_type);
}

/* BPF_PROG_ATTACH or BPF_PROG_DETACH of a program on a cgroup. */
static int prog_cgroup(int cmd, int prog_fd, int cgroup_fd, int attach_type,
		       uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroup_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = (uint32_t)attach_type;
	a.attach_flags = flags;
	return sys_bpf(cmd, &a) < 0 ? -1 : 0;
}

int bpfsys_attach_multi(int prog_fd, int cgroup_fd, int attach_type)
{
	return prog_cgroup(BPF_PROG_ATTACH, prog_fd, cgroup_fd, attach_type,
			   BPF_F_ALLOW_MULTI);
}

int bpfsys_detach(int prog_fd, int cgroup_fd, int attach_type)
{
	return prog_cgroup(BPF_PROG_DETACH, prog_fd, cgroup_fd, attach_type, 0);
}

/* One of the map element commands: key, value (or next key), flags. */
static int map_elem(int cmd, int map_fd, const void *key, const void *value,
		    uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a) < 0 ? -1 : 0;
}

int bpfsys_map_get(int map_fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, map_fd, key, value, 0);
}

int bpfsys_map_put(int map_fd, const void *key, const void *value,
		   uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, map_fd, key, value, flags);
}

int bpfsys_map_del(int map_fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, map_fd, key, NULL, 0);
}

int bpfsys_map_next(int map_fd, const void *key, void *next)
{
	return map_elem(BPF_MAP_GET_NEXT_KEY, map_fd, key, next, 0);
}

/* 1 for the verifier's closing statistics, which say nothing of why. */
static int is_stat_line(const char *s, size_t n)
{
	static const char *const stats[] = { "processed ", "verification time",
		"stack depth", "max_states_per_insn" };
	size_t i, k;

	for (i = 0; i < nitems(stats); i++) {
		k = strlen(stats[i]);
		if (n >= k && memcmp(s, stats[i], k) == 0)
			return 1;
	}
	return 0;
}

size_t bpfsys_log_reason(const char *log, size_t n, char *out, size_t cap)
{
	size_t end = n, start, len;

	if (cap == 0)
		return 0;
	out[0] = '\0';
	while (end > 0) {
		while (end > 0 && (log[end - 1] == '\n' || log[end - 1] == '\0'))
			end--;
		start = end;
		while (start > 0 && log[start - 1] != '\n')
			start--;
		if (end > start && !is_stat_line(log + start, end - start)) {
			len = end - start < cap - 1 ? end - start : cap - 1;
			memcpy(out, log + start, len);
			out[len] = '\0';
			return len;
		}
		end = start;
	}
	return 0;
}
