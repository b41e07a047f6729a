/*
 * sys.c: EINTR-safe helpers for reading small files and writing fully,
 * a socket's receive buffer, the path of an fd, and closing an fd that
 * may not be open.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include "fmt.h"
#include "sys.h"

ssize_t sys_read_fileat(int dirfd, const char *path, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;
	int fd, err;

	do
		fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	while (got < cap) {
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				err = errno;
				close(fd);
				errno = err;
				return -1;
			}
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

ssize_t sys_read_file(const char *path, char *buf, size_t cap)
{
	return sys_read_fileat(AT_FDCWD, path, buf, cap);
}

size_t sys_rcvbuf(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0 || v < 0)
		return 0;
	return (size_t)v;
}

ssize_t sys_fd_path(int fd, char *buf, size_t cap)
{
	static int fd_dir = -1;
	char name[16];

	if (fd_dir < 0)
		fd_dir = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0)
		return -1;
	fmt_str(name, sizeof(name), "%d", fd);
	return readlinkat(fd_dir, name, buf, cap);
}

void sys_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int sys_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
