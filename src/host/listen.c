/*
 * listen.c: bind, listen and accept (see listen.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>
#include "listen.h"

/* Fill a sockaddr_un; -1 ENAMETOOLONG when path does not fit. */
static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa->sun_path, path, n);
	return 0;
}

/* Remove path if it is a socket nobody accepts on. */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(sa->sun_path);
}

/* A non-blocking listening stream socket of family at sa; -1 and errno. */
static int bind_listen(int family, const struct sockaddr *sa, socklen_t len)
{
	int fd, err;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, sa, len) < 0 || listen(fd, SOMAXCONN) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int listen_unix(const char *path)
{
	struct sockaddr_un sa;

	if (unix_addr(&sa, path) < 0 || clear_stale(&sa) < 0)
		return -1;
	return bind_listen(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa));
}

void listen_unlink(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
}

int listen_vsock(unsigned port)
{
	struct sockaddr_vm sa;

	memset(&sa, 0, sizeof(sa));
	sa.svm_family = AF_VSOCK;
	sa.svm_cid = VMADDR_CID_ANY;
	sa.svm_port = port;
	return bind_listen(AF_VSOCK, (struct sockaddr *)&sa, sizeof(sa));
}

int listen_accept(int lfd, uint32_t *cid)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	do
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd >= 0 && ss.ss_family == AF_VSOCK)
		*cid = ((struct sockaddr_vm *)&ss)->svm_cid;
	return fd;
}
