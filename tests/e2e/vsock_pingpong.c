/*
 * vsock_pingpong.c: the e2e guest's AF_VSOCK loopback self-test.
 *
 * vsock-pingpong PORT any|local: a server listens on PORT, bound to
 * VMADDR_CID_ANY (as a host receiver binds) or VMADDR_CID_LOCAL; a forked
 * client first checks that a connect to an unbound port is refused
 * (ECONNRESET), then connects to VMADDR_CID_LOCAL:PORT and streams
 * PP_BYTES bytes that the server echoes back; the client half-closes, the
 * server closes at EOF, and the client checks every byte it got back.
 * Prints one JSON line of what it saw (check.py asserts on it) and exits 0
 * only if all of it worked.
 *
 * It runs only inside the QEMU test guest: it refuses to open any AF_VSOCK
 * socket unless PID 1 is /init and the vsock_loopback module is loaded, and
 * it only ever connects to CID 1.  (A development machine may itself be a Firecracker
 * guest whose CID 2 is a real hypervisor.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

/* Many 64 KiB loopback packets and credit updates, yet less than the two
 * 256 KiB default buffers together: the client writes all before reading. */
#define PP_BYTES	300000
/* Every socket call gives up after this long. */
#define PP_IO_TIMEOUT_S	10
/* The whole test gives up after this long. */
#define PP_ALARM_S	30
/* The refused connect goes to PORT + this (nothing listens there). */
#define PP_UNBOUND_OFF	1000

/* 1 only in the e2e guest: PID 1 is /init and vsock_loopback is loaded. */
static int pp_in_guest(void)
{
	char exe[16];
	ssize_t n = readlink("/proc/1/exe", exe, sizeof(exe));
	struct stat st;

	return n == 5 && memcmp(exe, "/init", 5) == 0 &&
	       stat("/sys/module/vsock_loopback", &st) == 0;
}

/* The byte at offset i of the stream: not periodic in 256. */
static unsigned char pp_byte(size_t i)
{
	return (unsigned char)(i * 131 + i / 251);
}

/* A stream socket with both I/O timeouts set, or -1. */
static int pp_socket(void)
{
	struct timeval tv = { .tv_sec = PP_IO_TIMEOUT_S };
	int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s >= 0 && (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		       setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)) {
		close(s);
		return -1;
	}
	return s;
}

/* Connect a new socket to CID 1:port; the socket, or -1 with errno. */
static int pp_connect(unsigned int port)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL,
				  .svm_port = port };
	int s = pp_socket(), e;

	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return s;
	e = errno;
	close(s);
	errno = e;
	return -1;
}

/* Write the whole pattern, half-close, read it all back; exit status. */
static int pp_client(unsigned int port)
{
	static unsigned char buf[PP_BYTES];
	size_t i, got = 0, put = 0;
	ssize_t n;
	int s;

	if (pp_connect(port + PP_UNBOUND_OFF) >= 0 || errno != ECONNRESET)
		return 3;
	s = pp_connect(port);
	if (s < 0)
		return 4;
	for (i = 0; i < PP_BYTES; i++)
		buf[i] = pp_byte(i);
	while (put < PP_BYTES && (n = write(s, buf + put, PP_BYTES - put)) > 0)
		put += n;
	if (put < PP_BYTES || shutdown(s, SHUT_WR) < 0)
		return 5;
	memset(buf, 0, sizeof(buf));
	while (got < PP_BYTES && (n = read(s, buf + got, PP_BYTES - got)) > 0)
		got += n;
	if (got != PP_BYTES || read(s, buf, 1) != 0)
		return 6;
	for (i = 0; i < PP_BYTES; i++)
		if (buf[i] != pp_byte(i))
			return 7;
	close(s);
	return 0;
}

/* Accept one connection and echo it until EOF; bytes echoed, or -1. */
static long pp_serve(int ls, struct sockaddr_vm *peer, struct sockaddr_vm *self)
{
	socklen_t len = sizeof(*peer);
	char buf[8192];
	long total = 0;
	ssize_t n = 0, w;
	int c;

	c = accept4(ls, (struct sockaddr *)peer, &len, SOCK_CLOEXEC);
	if (c < 0)
		return -1;
	len = sizeof(*self);
	if (getsockname(c, (struct sockaddr *)self, &len) < 0)
		total = -1;
	while (total >= 0 && (n = read(c, buf, sizeof(buf))) > 0) {
		for (w = 0; w < n;) {
			ssize_t k = write(c, buf + w, n - w);

			if (k <= 0)
				return -1;
			w += k;
		}
		total += n;
	}
	if (n < 0)
		total = -1;
	close(c);
	return total;
}

/* Listen, fork the client, serve it, report one JSON line. */
int main(int argc, char **argv)
{
	struct sockaddr_vm sa = { .svm_family = AF_VSOCK }, peer = { 0 }, self = { 0 };
	unsigned int port;
	int ls, status = -1;
	long echoed;
	pid_t pid;

	if (argc != 3 || (strcmp(argv[2], "any") && strcmp(argv[2], "local"))) {
		fprintf(stderr, "usage: vsock-pingpong PORT any|local\n");
		return 2;
	}
	if (!pp_in_guest()) {
		fprintf(stderr, "vsock-pingpong: not the e2e test guest; no AF_VSOCK here\n");
		return 2;
	}
	alarm(PP_ALARM_S);
	port = (unsigned int)strtoul(argv[1], NULL, 10);
	sa.svm_port = port;
	sa.svm_cid = argv[2][0] == 'a' ? VMADDR_CID_ANY : VMADDR_CID_LOCAL;
	ls = pp_socket();
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 4) < 0) {
		fprintf(stderr, "vsock-pingpong: listen: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(pp_client(port));
	echoed = pid < 0 ? -1 : pp_serve(ls, &peer, &self);
	if (pid > 0)
		waitpid(pid, &status, 0);
	printf("{\"test\":\"vsock-pingpong\",\"bind\":\"%s\",\"port\":%u,\"local_cid\":%u,"
	       "\"peer_cid\":%u,\"echoed\":%ld,\"want\":%d,\"client_exit\":%d}\n",
	       argv[2], port, self.svm_cid, peer.svm_cid, echoed, PP_BYTES,
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return echoed == PP_BYTES && status == 0 ? 0 : 1;
}
