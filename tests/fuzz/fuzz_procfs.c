/*
 * fuzz_procfs.c: libFuzzer target on the /proc parsers of the process
 * probe (src/agent/proc/proc_procfs.c), which read what any guest process
 * chooses: its comm (prctl PR_SET_NAME: any 15 bytes but NUL, spaces and
 * parentheses included) in /proc/PID/stat.
 *
 * Any bytes: no read outside the input, a comm taken from inside it.
 * And a round trip: the input's first bytes as the comm of a real stat
 * line must come back exact, with the ppid and start time after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent/proc/proc_procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse the bytes as they are: a comm, when found, lies inside them. */
static void any_bytes(const char *s, size_t n)
{
	struct procfs_stat st;
	const char *open = memchr(s, '(', n);

	if (procfs_parse_stat(s, n, &st) == 0 &&
	    (!open || st.comm_len > sizeof(st.comm) ||
	     memcmp(st.comm, open + 1, st.comm_len) != 0))
		abort();
}

/* The kernel's line for a process whose comm is the input's first bytes
 * (up to 15, up to a NUL, as PR_SET_NAME keeps them). */
static void round_trip(const char *s, size_t n)
{
	char comm[16], line[256];
	struct procfs_stat st;
	size_t k = 0;
	int len;

	while (k < n && k < 15 && s[k])
		k++;
	memcpy(comm, s, k);
	len = snprintf(line, sizeof(line), "4242 (%.*s) S 17 4242 4242 0 -1 "
		       "4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 50\n",
		       (int)k, comm);
	if (len < 0 || procfs_parse_stat(line, (size_t)len, &st) != 0 ||
	    st.comm_len != k || memcmp(st.comm, comm, k) != 0 ||
	    st.ppid != 17 || st.flags != 4194560 || st.start_ticks != 987654)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	any_bytes((const char *)data, size);
	round_trip((const char *)data, size);
	return 0;
}
