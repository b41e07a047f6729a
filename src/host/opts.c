/*
 * opts.c: getopt_long over the options of opts.h, with every check that
 * needs no system call: id alphabets and lengths, numbers in range, and
 * which options go together.  Paths are checked when they are bound.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vm_sockets.h>
#include "hook.h"
#include "opts.h"
#include "sign.h"
#include "wire/utf8.h"

enum { O_CELL = 256, O_RUN_ID, O_OUT, O_KEEPALIVE, O_ACK, O_SIGN, O_KEY,
       O_VERIFY, O_LISTEN, O_READY, O_FSYNC, O_LABEL, O_HOST_NAME,
       O_PROCESS_SLOTS, O_ANCESTORS, O_TREE, O_POLICY, O_ON_VIOLATION,
       O_HOOK_RATE };

static const struct option longopts[] = {
	{ "cell", required_argument, NULL, O_CELL },
	{ "run-id", required_argument, NULL, O_RUN_ID },
	{ "out", required_argument, NULL, O_OUT },
	{ "keepalive-ms", required_argument, NULL, O_KEEPALIVE },
	{ "ack", no_argument, NULL, O_ACK },
	{ "sign", required_argument, NULL, O_SIGN },
	{ "key-file", required_argument, NULL, O_KEY },
	{ "verify", no_argument, NULL, O_VERIFY },
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "ready-fd", required_argument, NULL, O_READY },
	{ "fsync", no_argument, NULL, O_FSYNC },
	{ "label", required_argument, NULL, O_LABEL },
	{ "host-name", required_argument, NULL, O_HOST_NAME },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "process-slots", required_argument, NULL, O_PROCESS_SLOTS },
	{ "ancestors", required_argument, NULL, O_ANCESTORS },
	{ "tree", no_argument, NULL, O_TREE },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "on-violation", required_argument, NULL, O_ON_VIOLATION },
	{ "on-violation-rate", required_argument, NULL, O_HOOK_RATE },
	{ NULL, 0, NULL, 0 },
};

/* 1 when s is 1..max bytes of [A-Za-z0-9._-] plus the chars in extra. */
static int word_ok(const char *s, size_t n, size_t max, const char *extra)
{
	size_t i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i]) ||
		      (extra && strchr(extra, s[i]))) || s[i] == 0)
			return 0;
	return 1;
}

/* A decimal number in [lo, hi]; -1 otherwise. */
static int number(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return *end || *v < lo || *v > hi ? -1 : 0;
}

static int add_cell(struct host_opts *o, const char *arg, const char **why)
{
	const char *colon = strchr(arg, ':');
	struct opt_cell *c;
	unsigned i;

	*why = "--cell wants ID:PATH, ID of 1-64 [A-Za-z0-9._-]";
	if (!colon || !word_ok(arg, (size_t)(colon - arg), HOST_CELL_ID_MAX,
			       NULL) || !colon[1])
		return -1;
	*why = "too many --cell";
	if (o->ncells == HOST_MAX_CELLS)
		return -1;
	c = &o->cells[o->ncells];
	memcpy(c->id, arg, (size_t)(colon - arg));
	c->id[colon - arg] = 0;
	c->where = colon + 1;
	*why = "the same cell id twice";
	for (i = 0; i < o->ncells; i++)
		if (!strcmp(o->cells[i].id, c->id))
			return -1;
	o->ncells++;
	return 0;
}

/* --label KEY=VALUE: KEY a word of up to 64, VALUE up to 256 bytes of
 * UTF-8, no key twice. */
static int add_label(struct host_opts *o, char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	size_t kl = eq ? (size_t)(eq - arg) : 0, vl;
	unsigned i;

	*why = "--label wants KEY=VALUE, KEY of 1-64 [A-Za-z0-9._-], VALUE "
		"of at most 256 bytes of UTF-8";
	if (!eq || !word_ok(arg, kl, HOST_LABEL_KEY_MAX, NULL))
		return -1;
	vl = strlen(eq + 1);
	if (vl > HOST_LABEL_VALUE_MAX || !utf8_valid((const uint8_t *)eq + 1, vl))
		return -1;
	*why = "too many --label";
	if (o->nlabels == HOST_LABELS_MAX)
		return -1;
	*why = "the same --label key twice";
	for (i = 0; i < o->nlabels; i++)
		if (!strncmp(o->labels[i], arg, kl + 1))
			return -1;
	o->labels[o->nlabels++] = arg;
	return 0;
}

/* ---- the process model and --tree ---- */

/* --process-slots, --ancestors, --tree; 0, -1 with why, or 1: not one. */
static int model_opt(struct host_opts *o, int ch, const char *arg,
		     const char **why)
{
	uint64_t v;

	switch (ch) {
	case O_PROCESS_SLOTS:
		*why = "--process-slots wants 0..32768";
		if (number(arg, 0, HOST_MODEL_PROCS_MAX, &v))
			return -1;
		o->process_slots = (unsigned)v;
		return 0;
	case O_ANCESTORS:
		*why = "--ancestors wants 0..16";
		if (number(arg, 0, HOST_ANCESTORS_MAX, &v))
			return -1;
		o->ancestors = (unsigned)v;
		return 0;
	case O_TREE:
		o->tree = 1;
		return 0;
	}
	return 1;
}

/* ---- policies ---- */

/* --policy ID:FILE (ID a cell's, or "*"): one per cell, one default. */
static int add_policy(struct host_opts *o, const char *arg, const char **why)
{
	const char *colon = strchr(arg, ':');
	struct opt_policy *p;
	size_t n = colon ? (size_t)(colon - arg) : 0;
	unsigned i;

	*why = "--policy wants ID:FILE (ID a --cell's, or * for the cells "
		"without one)";
	if (!colon || !colon[1] || !(word_ok(arg, n, HOST_CELL_ID_MAX, NULL) ||
				     (n == 1 && arg[0] == '*')))
		return -1;
	*why = "too many --policy";
	if (o->npolicies == HOST_POLICIES_MAX)
		return -1;
	p = &o->policies[o->npolicies];
	memcpy(p->id, arg, n);
	p->id[n] = 0;
	p->file = colon + 1;
	*why = "two --policy for one cell";
	for (i = 0; i < o->npolicies; i++)
		if (!strcmp(o->policies[i].id, p->id))
			return -1;
	o->npolicies++;
	return 0;
}

/* --on-violation CMD: words a hook's argv can hold. */
static int set_hook(struct host_opts *o, const char *arg, const char **why)
{
	char *argv[HOST_HOOK_ARGS_MAX + 1], *words;
	int rc = hook_split(arg, &words, argv);

	free(words);
	*why = "--on-violation wants a command of 1 to 32 words (no shell)";
	o->on_violation = arg;
	return rc;
}

/* Every --policy names a --cell (or "*"); a hook wants a policy. */
static int policies_ok(const struct host_opts *o, const char **why)
{
	unsigned i, k;

	for (i = 0; i < o->npolicies; i++) {
		if (!strcmp(o->policies[i].id, "*"))
			continue;
		for (k = 0; k < o->ncells; k++)
			if (!strcmp(o->cells[k].id, o->policies[i].id))
				break;
		*why = "--policy names a cell no --cell gives";
		if (k == o->ncells)
			return -1;
	}
	*why = "--on-violation-rate wants --on-violation";
	if (o->hook_rate_set && !o->on_violation)
		return -1;
	*why = "--on-violation wants at least one --policy";
	return o->on_violation && !o->npolicies ? -1 : 0;
}

/* --tree reads files: no receiver options with it. */
static int tree_alone(const struct host_opts *o, const char **why)
{
	*why = "--tree takes files, not the receiver's options";
	return o->ncells || o->sign || o->ack || o->vsock || o->fsync ||
		o->nlabels || o->host_name || o->verify || o->key_file ||
		o->npolicies || o->on_violation || o->hook_rate_set ? -1 : 0;
}

/* ---- the rest ---- */

/* One option; 0 or -1 with why. */
static int one(struct host_opts *o, int ch, char *arg, const char **why)
{
	uint64_t v;
	int rc = model_opt(o, ch, arg, why);

	if (rc <= 0)
		return rc;
	switch (ch) {
	case 'h': o->help = 1; return 0;
	case 'V': o->version = 1; return 0;
	case 'v': o->verbose++; return 0;
	case O_CELL: return add_cell(o, arg, why);
	case O_POLICY: return add_policy(o, arg, why);
	case O_ON_VIOLATION: return set_hook(o, arg, why);
	case O_HOOK_RATE:
		*why = "--on-violation-rate wants 1..1000";
		o->hook_rate_set = 1;
		return number(arg, 1, HOST_HOOK_RATE_MAX, &o->hook_rate);
	case O_ACK: o->ack = 1; return 0;
	case O_FSYNC: o->fsync = 1; return 0;
	case O_LABEL: return add_label(o, arg, why);
	case O_HOST_NAME:
		*why = "--host-name wants 1-253 of [A-Za-z0-9._-]";
		o->host_name = arg;
		return word_ok(arg, strlen(arg), HOST_NAME_LEN_MAX, NULL) ? 0 : -1;
	case O_VERIFY: o->verify = 1; return 0;
	case O_OUT: o->out = arg; return 0;
	case O_KEY: o->key_file = arg; return 0;
	case O_RUN_ID:
		*why = "--run-id wants 1-64 of [A-Za-z0-9._:-]";
		o->run_id = arg;
		return word_ok(arg, strlen(arg), HOST_RUN_ID_MAX, ":") ? 0 : -1;
	case O_KEEPALIVE:
		*why = "--keepalive-ms wants 1..86400000";
		return number(arg, 1, 86400000, &o->keepalive_ms);
	case O_SIGN:
		*why = "--sign wants hmac or ed25519";
		o->sign = !strcmp(arg, "hmac") ? SIGN_HMAC :
			!strcmp(arg, "ed25519") ? SIGN_ED25519 : SIGN_NONE;
		return o->sign == SIGN_NONE ? -1 : 0;
	case O_LISTEN:
		*why = "--listen wants vsock:PORT";
		if (strncmp(arg, "vsock:", 6) || number(arg + 6, 1, 0xfffffffe, &v))
			return -1;
		o->vsock = 1;
		o->vsock_port = (unsigned)v;
		return 0;
	case O_READY:
		*why = "--ready-fd wants an fd number above 2";
		if (number(arg, 3, 1 << 20, &v))
			return -1;
		o->ready_fd = (int)v;
		return 0;
	default:
		*why = "unknown option";
		return -1;
	}
}

/* Options that only make sense together; vsock cells name CIDs: a
 * guest's (3..), or VMADDR_CID_LOCAL (1), the peer of every connection
 * made over the loopback transport (host and guest in one kernel). */
static int combine(struct host_opts *o, const char **why)
{
	uint64_t v;
	unsigned i;

	if (o->help || o->version)
		return 0;
	if (o->tree)
		return tree_alone(o, why);
	*why = "--sign and --verify want --key-file";
	if ((o->sign || o->verify) != !!o->key_file)
		return -1;
	*why = "--verify takes files, not --cell/--sign/--ack/--listen/"
		"--fsync/--label/--host-name/--policy/--on-violation";
	if (o->verify)
		return o->ncells || o->sign || o->ack || o->vsock || o->fsync ||
			o->nlabels || o->host_name || o->npolicies ||
			o->on_violation ? -1 : 0;
	*why = "at least one --cell ID:PATH";
	if (o->ncells == 0 || o->nfiles > 0)
		return -1;
	for (i = 0; o->vsock && i < o->ncells; i++) {
		*why = "with --listen vsock, --cell wants ID:CID (1 or 3..)";
		if (number(o->cells[i].where, VMADDR_CID_LOCAL, 0xfffffffe, &v) ||
		    v == VMADDR_CID_HOST)
			return -1;
		o->cells[i].cid = (uint32_t)v;
	}
	return policies_ok(o, why);
}

int opts_parse(struct host_opts *o, int argc, char **argv, const char **why)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->ready_fd = -1;
	o->keepalive_ms = HOST_KEEPALIVE_MS;
	o->hook_rate = HOST_HOOK_RATE;
	o->process_slots = HOST_MODEL_PROCS;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+hVv", longopts, NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			*why = "unknown option or missing argument";
			return -1;
		}
		if (one(o, ch, optarg, why) < 0)
			return -1;
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	return combine(o, why);
}
