/*
 * opts.h: the command line of cellos-telemetry-host, parsed into a
 * struct without side effects (no exit, no I/O), so tests can call it.
 */
#pragma once
#include <stdint.h>
#include "lib/caps.h"

struct opt_cell {
	char id[HOST_CELL_ID_MAX + 1];
	const char *where;		/* AF_UNIX path, or a CID with vsock */
	uint32_t cid;
};

/* --policy ID:FILE; id "*": the default, for cells without their own. */
struct opt_policy {
	char id[HOST_CELL_ID_MAX + 1];
	const char *file;
};

struct host_opts {
	struct opt_cell cells[HOST_MAX_CELLS];
	unsigned ncells;
	const char *run_id;		/* NULL: make one */
	const char *out;		/* NULL or "-": stdout */
	const char *key_file;
	int sign;			/* enum sign_alg */
	int ack;
	int fsync;			/* --fsync: ack only what is synced */
	const char *host_name;		/* --host-name, or NULL */
	char *labels[HOST_LABELS_MAX];	/* --label KEY=VALUE words, checked */
	unsigned nlabels;
	int verify;			/* --verify: check files, no receiver */
	int vsock;			/* --listen vsock:PORT */
	unsigned vsock_port;
	int ready_fd;			/* -1: none */
	int verbose;
	int help, version;
	uint64_t keepalive_ms;
	/* the process model and --tree (doc/WIRE.md §6) */
	unsigned process_slots;		/* instances per cell; 0: no model */
	unsigned ancestors;		/* ancestors blocks beyond the parent */
	int tree;			/* --tree: print files' trees, no receiver */
	/* policies (doc/POLICY.md) */
	struct opt_policy policies[HOST_POLICIES_MAX];
	unsigned npolicies;
	const char *on_violation;	/* --on-violation CMD, or NULL */
	uint64_t hook_rate;		/* --on-violation-rate: hooks a second */
	int hook_rate_set;
	char **files;			/* --verify/--tree operands */
	int nfiles;
};

/* Parse argv.  0, or -1 with a one-line reason in *why. */
int opts_parse(struct host_opts *o, int argc, char **argv, const char **why);
