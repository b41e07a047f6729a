/*
 * main.c: cellos-telemetry-host: parse the command line, set up (key,
 * output, one socket per cell, the loop), say "ready", run, report.
 * Everything that happens per frame lives in recv.c and its helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sodium.h>
#include "lib/log.h"
#include "lib/units.h"
#include "listen.h"
#include "serve.h"
#include "opts.h"
#include "recv.h"
#include "sign.h"
#include "stats.h"
#include "tree.h"
#include "verify.h"

static struct host_opts opts;
static struct host host;
static struct sign_key key;
static struct serve srv;
static struct polset pols;
static struct hook hook;
static struct cell_pol *cellpols[HOST_MAX_CELLS];	/* until bound */
static char outbuf[HOST_OUT_BUF];
static char run_id[33];
static char extra[HOST_LINE_MAX / 2];

static void usage(FILE *f)
{
	fprintf(f,
"usage: cellos-telemetry-host [-hVv] [--help] [--version] [--ack] [--fsync]\n"
"           [--host-name NAME] [--keepalive-ms N] [--label KEY=VALUE ...]\n"
"           [--listen vsock:PORT]\n"
"           [--on-violation CMD [--on-violation-rate N]] [--out FILE]\n"
"           [--policy ID:FILE ...] [--ready-fd FD] [--run-id R]\n"
"           [--sign hmac|ed25519 --key-file F] --cell ID:PATH ...\n"
"       cellos-telemetry-host --verify --key-file F [FILE ...]\n"
"       cellos-telemetry-host --tree [FILE ...]\n"
"  --cell ID:PATH       receive cell ID on AF_UNIX PATH (Firecracker: <uds_path>_9001)\n"
"  --run-id R           run id in every event's data (default: random)\n"
"  --out FILE           append the JSON Lines to FILE (default or -: stdout);\n"
"                       SIGHUP reopens it (logrotate)\n"
"  --keepalive-ms N     agent_silenced after N ms without a frame (default %d)\n"
"  --ack                send ack_seq to the agent once its lines are written\n"
"  --fsync              sync the output before lines count as written\n"
"  --label KEY=VALUE    add KEY to \"labels\" in every line's data (up to %d)\n"
"  --host-name NAME     add \"host_name\":NAME to every line's data\n"
"  --sign ALG           sign each line, ALG hmac (HMAC-SHA256) or ed25519\n"
"  --key-file F         key for --sign/--verify: one line \"ALG HEX64\", ALG one of\n"
"                       hmac-sha256, ed25519 (seed), ed25519-pub (verify only)\n"
"  --verify             check the signature of each line of FILEs (or stdin)\n"
"  --listen vsock:PORT  listen on AF_VSOCK PORT (QEMU hosts); cells are ID:CID\n"
"  --process-slots N    processes the model keeps per cell (default %d, max %d);\n"
"                       0: no process/parent blocks\n"
"  --ancestors N        add \"ancestors\", N blocks beyond the parent (max %d)\n"
"  --policy ID:FILE     judge cell ID's events by the rules in FILE (ID *: the\n"
"                       cells without one); denied: a policy_violation line\n"
"  --on-violation CMD   run CMD (words, no shell) per violation, its JSON on\n"
"                       stdin; at most %d at once, killed after %d ms\n"
"  --on-violation-rate N\n"
"                       hooks started a second at most, all cells together,\n"
"                       1..%d (%d)\n"
"  --tree               print each cell's process tree from FILEs (or stdin)\n"
"  --ready-fd FD        once every socket is bound, write a line to FD, close it\n"
"  -v                   log more (twice: debug)\n"
"  -V, --version        print the version and exit\n"
"  -h, --help           print this help and exit\n"
"signals: SIGUSR1 prints the counters, SIGHUP reopens --out and reloads the\n"
"         policies, SIGTERM stops\n",
		HOST_KEEPALIVE_MS, HOST_LABELS_MAX, HOST_MODEL_PROCS,
		HOST_MODEL_PROCS_MAX, HOST_ANCESTORS_MAX, HOST_HOOK_MAX,
		HOST_HOOK_TIMEOUT_MS, HOST_HOOK_RATE_MAX, HOST_HOOK_RATE);
}

/* Room for every connection's fd. */
static void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = HOST_MAX_CONNS + HOST_MAX_CELLS + 32;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_warnx("only %llu fds: fewer connections than %d fit",
			  (unsigned long long)rl.rlim_cur, HOST_MAX_CONNS);
}

static void load_key(void)
{
	const char *why;

	if (sign_load(&key, opts.key_file, &why) < 0)
		fatalx("%s: %s", opts.key_file, why);
	if (opts.sign && (key.alg != opts.sign || !key.can_sign))
		fatalx("%s: not a %s signing key", opts.key_file,
		       opts.sign == SIGN_HMAC ? "hmac-sha256" : "ed25519");
}

static int verify_main(void)
{
	unsigned long good = 0, bad = 0;
	FILE *f;
	int i;

	if (opts.nfiles == 0)
		verify_stream(&key, stdin, "-", &good, &bad);
	for (i = 0; i < opts.nfiles; i++) {
		if (!(f = fopen(opts.files[i], "re"))) {
			log_warn("%s", opts.files[i]);
			bad++;
			continue;
		}
		verify_stream(&key, f, opts.files[i], &good, &bad);
		fclose(f);
	}
	printf("%lu lines good, %lu bad\n", good, bad);
	return bad || !good ? 1 : 0;
}

/* The output: stdout, or FILE opened for appending (reopened on SIGHUP);
 * --fsync wants a regular file. */
static void setup_out(void)
{
	int file = opts.out && strcmp(opts.out, "-") != 0;
	int fd = file ? out_open(opts.out, opts.fsync) : STDOUT_FILENO;

	if (fd < 0)
		fatal("%s", opts.out);
	out_init(&host.out, fd, outbuf, sizeof(outbuf),
		 opts.sign ? &key : NULL);
	host.out.path = file ? opts.out : NULL;
	host.out.fsync = opts.fsync;
	if (opts.fsync && !host.out.regular)
		fatalx("--fsync: %s is not a regular file",
		       file ? opts.out : "standard output");
	host.extra = extra;
	host.extra_len = ce_extra(extra, sizeof(extra), opts.host_name,
				  opts.labels, opts.nlabels);
	if (host.extra_len == 0 && (opts.host_name || opts.nlabels))
		fatalx("--label/--host-name: too long");
}

/* Each cell's process model, fixed here for the whole run. */
static void setup_models(void)
{
	unsigned i;

	host.ancestors = opts.ancestors;
	for (i = 0; opts.process_slots && i < host.ncells; i++) {
		host.cells[i].model = calloc(1, sizeof(struct model));
		if (!host.cells[i].model ||
		    model_init(host.cells[i].model, opts.process_slots) < 0)
			fatal("cell %s: process model", host.cells[i].id);
	}
}

/* Every --policy file, parsed whole before anything is bound: a file
 * that does not parse stops the host (exit 2), nothing half-loaded; then
 * each cell follows its own file, else the default ("*"), else none. */
static void setup_policies(void)
{
	const char *paths[HOST_POLICIES_MAX], *dflt = NULL, *f;
	char err[512];
	struct pol_src *src;
	unsigned i, k;

	if (!opts.npolicies)
		return;
	for (i = 0; i < opts.npolicies; i++) {
		paths[i] = opts.policies[i].file;
		if (!strcmp(opts.policies[i].id, "*"))
			dflt = paths[i];
	}
	if (polset_load(&pols, paths, opts.npolicies, err, sizeof(err)) < 0) {
		log_warnx("%s", err);
		exit(2);
	}
	host.pols = &pols;
	for (i = 0; i < opts.ncells; i++) {
		f = dflt;
		for (k = 0; k < opts.npolicies; k++)
			if (!strcmp(opts.policies[k].id, opts.cells[i].id))
				f = opts.policies[k].file;
		if (!f)
			continue;
		src = polset_find(&pols, f);
		if (!(cellpols[i] = cellpol_new(src)))
			fatal("cell %s: policy", opts.cells[i].id);
	}
}

/* Bind every cell (AF_UNIX) or the vsock listener; returns vsock fd. */
static int bind_cells(void)
{
	struct host_cell *c;
	unsigned i;
	int vfd = -1;

	host.cells = calloc(opts.ncells, sizeof(*host.cells));
	if (!host.cells)
		fatal("calloc");
	host.ncells = opts.ncells;
	for (i = 0; i < opts.ncells; i++) {
		c = &host.cells[i];
		memcpy(c->id, opts.cells[i].id, sizeof(c->id));
		c->lfd = -1;
		c->cid = opts.cells[i].cid;
		c->pol = cellpols[i];
		if (opts.vsock)
			continue;
		c->path = opts.cells[i].where;
		if ((c->lfd = listen_unix(c->path)) < 0)
			fatal("cell %s: %s", c->id, c->path);
	}
	if (opts.vsock && (vfd = listen_vsock(opts.vsock_port)) < 0)
		fatal("vsock port %u", opts.vsock_port);
	return vfd;
}

static void setup(void)
{
	uint8_t rnd[16];
	int vfd;

	setup_policies();
	raise_nofile();
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(host.nonce, sizeof(host.nonce), rnd, 8);
	sodium_bin2hex(run_id, sizeof(run_id), rnd + 8, 8);
	host.run_id = opts.run_id ? opts.run_id : run_id;
	host.ack = opts.ack;
	host.keepalive_ms = opts.keepalive_ms;
	ka_init(&host.ka, opts.keepalive_ms * NS_PER_MS);
	setup_out();
	vfd = bind_cells();
	setup_models();
	if (serve_init(&srv, &host, vfd) < 0)
		fatal("set-up");
	if (opts.on_violation) {
		if (hook_init(&hook, opts.on_violation,
			      (unsigned)opts.hook_rate, &srv.loop) < 0)
			fatal("--on-violation");
		host.hook = &hook;
	}
}

/* Tell whoever waits that every socket is bound. */
static void ready(void)
{
	char pub[2 * sizeof(key.pk) + 1] = "";

	if (opts.sign == SIGN_ED25519)
		sodium_bin2hex(pub, sizeof(pub), key.pk, sizeof(key.pk));
	log_warnx("ready: %u cell%s, run %s%s%s%s%s", host.ncells,
		  host.ncells == 1 ? "" : "s", host.run_id,
		  opts.sign ? ", signing key id " : "", opts.sign ? key.kid : "",
		  pub[0] ? ", public key: ed25519-pub " : "", pub);
	if (opts.ready_fd >= 0) {
		(void)!write(opts.ready_fd, "ready\n", 6);
		close(opts.ready_fd);
	}
}

static int finish(void)
{
	unsigned i;

	out_close(&host.out);
	if (host.hook)
		hook_close(host.hook);
	stats_print(&host, STDERR_FILENO);
	for (i = 0; i < host.ncells; i++)
		if (host.cells[i].path)
			listen_unlink(host.cells[i].path);
	if (host.out.lost || host.out.overflow) {
		log_warnx("exit: %llu event lines were lost on the output",
			  (unsigned long long)(host.out.lost + host.out.overflow));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *why;

	log_init("cellos-telemetry-host", 0);
	if (opts_parse(&opts, argc, argv, &why) < 0) {
		log_warnx("%s", why);
		usage(stderr);
		return 2;
	}
	if (opts.help || opts.version) {
		if (opts.help)
			usage(stdout);
		else
			printf("cellos-telemetry-host %s\n", VERSION);
		return 0;
	}
	log_init("cellos-telemetry-host", opts.verbose);
	if (sign_init() < 0)
		fatalx("sodium_init failed");
	if (opts.key_file)
		load_key();
	if (opts.verify)
		return verify_main();
	if (opts.tree)
		return tree_main(opts.files, opts.nfiles);
	setup();
	ready();
	serve_run(&srv, &host);
	return finish();
}
