/*
 * sys.h: small syscall wrappers that retry on EINTR and return 0/-1 with
 * errno, as the syscalls themselves do.
 */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/* Read a whole small file (e.g. under /proc) into buf[0..cap).  Returns the
 * bytes read (a file longer than cap is cut at cap), or -1. */
ssize_t sys_read_file(const char *path, char *buf, size_t cap);
/* Same, relative to a directory fd (openat). */
ssize_t sys_read_fileat(int dirfd, const char *path, char *buf, size_t cap);
/* Write all of buf to a blocking fd; -1 on error. */
int sys_write_all(int fd, const void *buf, size_t n);
/* The receive buffer a socket has (SO_RCVBUF: what the kernel granted,
 * doubled for its bookkeeping as it does), or 0 if it will not say. */
size_t sys_rcvbuf(int fd);
/* The path fd was opened at (readlink of /proc/self/fd/FD, relative to
 * that directory, opened on the first call and kept: one lookup, not
 * three, per call) into buf[0..cap), not terminated, as readlink does
 * (cap bytes: perhaps cut).  Its length, or -1.  The directory names the
 * process that made the first call: nothing forks after that. */
ssize_t sys_fd_path(int fd, char *buf, size_t cap);
/* Close *fd if it is open (>= 0) and set it to -1. */
void sys_close(int *fd);
