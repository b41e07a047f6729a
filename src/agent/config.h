/*
 * config.h: the agent's settings (doc/DESIGN.md §3 "Config").
 *
 * Three layers, later ones win: the defaults of caps.h, then the
 * `cellos.telemetry.<name>=<value>` words of the kernel command line,
 * then the flags.  A setting has the same name and value syntax in both
 * places (`--ring-bytes 2m` is `cellos.telemetry.ring-bytes=2m`; as in
 * the kernel's own parameters, `-` and `_` in a name are the same).
 * config_set and config_cmdline are pure functions over strings; only
 * config_load reads the environment and /proc/cmdline.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "lib/caps.h"
#include "xport.h"

enum cfg_onfail { CFG_DEGRADE = 0, CFG_FAIL_CELL = 1 };

/* Where a setting came from: a flag replaces a cmdline list. */
enum cfg_layer { CFG_CMDLINE = 1, CFG_FLAGS = 2 };

/* Environment variable naming a file to read instead of /proc/cmdline
 * (tests; a guest's init has no reason to set it). */
#define CFG_CMDLINE_ENV "CELLOS_TELEMETRY_CMDLINE"
/* Prefix of our words on the kernel command line. */
#define CFG_CMDLINE_PREFIX "cellos.telemetry."

struct config {
	int foreground;
	int verbose;
	int profile;			/* WIRE_STRICT or WIRE_EXTENDED */
	int on_failure;			/* enum cfg_onfail */
	struct xport_addr addr;
	size_t ring_bytes;
	uint32_t heartbeat_ms;
	/* by registry index (probe.h): the number of the probe's mode word,
	 * 0 off, 1 on, more its named fallbacks */
	uint8_t probe_mode[AGENT_PROBES_MAX];
	uint32_t poll_ms;		/* /proc poll cadence (process=poll) */
	uint32_t proc_rcvbuf;		/* proc connector socket buffer */
	int exe_hash;			/* --exe-hash sha256: 1; none: 0 */
	uint32_t coalesce_ms;		/* longest wakeup coalescing window */
	uint32_t net_ringbuf;		/* BPF ring buffer bytes */
	uint32_t watch_mask;		/* the fs probe's events; 0: the
					 * profile's default (caps.h) */
	char net_cgroup[NET_PATH_MAX];	/* BPF attach point; "": cgroup2 root */
	unsigned nwatch;
	uint8_t watch_layer;		/* layer that filled watch[] */
	uint32_t watch_add[FS_WATCH_MAX];	/* per path: events beyond
						 * watch_mask (PATH=LIST) */
	/* last: config_defaults leaves it as it is (only [0, nwatch) counts) */
	char watch[FS_WATCH_MAX][FS_PATH_MAX];	/* NUL-terminated */
};

void config_defaults(struct config *c);

/* Apply one setting `name`=`val` (not NUL-terminated) from `layer`.
 * Returns 0, or -1 with a one-line reason in err. */
int config_set(struct config *c, int layer, const char *name, size_t nlen,
	       const char *val, size_t vlen, char *err, size_t errcap);

/* Apply every `cellos.telemetry.*` word of a kernel command line (words
 * split on blanks outside double quotes; quotes around a value go; one
 * of ours whose quote is never closed is an error).  Other words are not
 * ours and are left alone. */
int config_cmdline(struct config *c, const char *s, size_t n, char *err,
		   size_t errcap);

/* The whole start-up parse: defaults, the kernel command line (or the
 * file in CFG_CMDLINE_ENV), then argv.  Returns 0 to run, 1 when --help
 * or --version already printed and the program should exit 0, -1 after
 * printing the reason (and the usage for a bad flag): exit 2. */
int config_load(struct config *c, int argc, char **argv);

/* The style(9) usage to fd; full: one line per option too. */
void config_usage(int fd, int full);
