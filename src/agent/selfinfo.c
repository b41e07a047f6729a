/*
 * selfinfo.c: the readings of selfinfo.h.
 *
 * Only reads: /proc/sys/kernel/random/boot_id, uname(2), prctl
 * PR_GET_NAME, /proc/self/statm and the process CPU clock.
 */
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/scan.h"
#include "lib/sys.h"
#include "selfinfo.h"

void self_ident(struct af_ident *id)
{
	char comm[17] = "";
	struct utsname u;
	ssize_t n;

	memset(id, 0, sizeof(*id));
	id->pid = (uint32_t)getpid();
	if (prctl(PR_GET_NAME, comm) == 0)
		id->comm_len = strnlen(comm, sizeof(id->comm));
	memcpy(id->comm, comm, id->comm_len);
	n = sys_read_file("/proc/sys/kernel/random/boot_id", id->boot_id,
			  sizeof(id->boot_id));
	if (n < 0)
		log_warn("boot_id");
	while (n > 0 && (id->boot_id[n - 1] == '\n'))
		n--;
	id->boot_id_len = n > 0 ? (size_t)n : 0;
	if (uname(&u) < 0) {
		log_warn("uname");
		return;
	}
	n = fmt_str(id->kernel, sizeof(id->kernel), "%s %s", u.release,
		     u.version);
	id->kernel_len = n < 0 ? 0 : (size_t)n < sizeof(id->kernel) ?
		(size_t)n : sizeof(id->kernel) - 1;
}

uint64_t self_rss_kb(void)
{
	char buf[128], *p;
	ssize_t n = sys_read_file("/proc/self/statm", buf, sizeof(buf));
	uint64_t pages;
	long pg = sysconf(_SC_PAGESIZE);

	if (n <= 0 || pg <= 0)
		return 0;
	p = memchr(buf, ' ', (size_t)n);	/* skip "size", read "resident" */
	if (!p || !scan_dec(p + 1, (size_t)(buf + n - p - 1), UINT64_MAX,
			    &pages))
		return 0;
	return pages * (uint64_t)pg / 1024;
}

