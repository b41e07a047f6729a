/*
 * net_bpfsys.h: thin bpf(2) wrappers for set-up: create a map, load a program
 * (with the verifier's reason when it refuses), attach it to a cgroup and
 * detach it, read a map slot.
 *
 * Syscall-shaped: an fd or 0 on success, -1 with errno.  No libbpf, no BTF.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>

/* A map; name is at most 15 characters (BPF_OBJ_NAME_LEN - 1). */
int bpfsys_map_new(int type, uint32_t key_size, uint32_t value_size,
		   uint32_t max_entries, const char *name);
/* Load a program of prog_type with its expected attach type.  On a
 * refusal, why holds "verifier: <the log's reason>" or the errno text. */
int bpfsys_prog_new(int prog_type, int attach_type, const char *name,
		    const struct bpf_insn *insns, size_t n,
		    char *why, size_t whycap);
/* Attach to a cgroup directory fd: a bpf_link when the kernel has them
 * (*link_fd; the attachment dies with that fd), else BPF_PROG_ATTACH with
 * BPF_F_ALLOW_MULTI (*link_fd = -1; undo with bpfsys_detach).  0 or -1. */
int bpfsys_attach(int prog_fd, int cgroup_fd, int attach_type, int *link_fd);
/* The legacy attachment alone: BPF_PROG_ATTACH, BPF_F_ALLOW_MULTI. */
int bpfsys_attach_multi(int prog_fd, int cgroup_fd, int attach_type);
/* Undo a legacy (non-link) attachment. */
int bpfsys_detach(int prog_fd, int cgroup_fd, int attach_type);
/* Look up one slot of a map. */
int bpfsys_map_get(int map_fd, const void *key, void *value);
/* Set one (BPF_ANY, BPF_NOEXIST, ...); delete one. */
int bpfsys_map_put(int map_fd, const void *key, const void *value,
		   uint64_t flags);
int bpfsys_map_del(int map_fd, const void *key);
/* The key after key (NULL: the first) into next; -1 with ENOENT at the
 * end.  A key no longer in a hash map restarts from its first. */
int bpfsys_map_next(int map_fd, const void *key, void *next);
/* The reason in a verifier log: its last line that is not a statistic.
 * Pure.  Writes at most cap-1 bytes and a NUL; returns the length. */
size_t bpfsys_log_reason(const char *log, size_t n, char *out, size_t cap);
