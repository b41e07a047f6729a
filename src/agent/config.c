/*
 * config.c: settings from defaults, /proc/cmdline words and flags.
 *
 * One table maps each setting's name to the function that parses its
 * value, so a flag and a cmdline word go through the same code.  The
 * parsers are pure; config_load alone touches argv, the environment and
 * the file system, and it runs before anything forks.  It does not check
 * that a watched path exists: arming the fs probe does.
 */
#include <stddef.h>
#include <sys/inotify.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "flags.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "lib/nitems.h"
#include "lib/scan.h"
#include "lib/sys.h"
#include "probe.h"
#include "testhook.h"
#include "wire/frame.h"

void config_defaults(struct config *c)
{
	int i;

	/* all but the watch paths, which count only below nwatch: their
	 * 64 KiB are written (made resident) only as paths are given */
	memset(c, 0, offsetof(struct config, watch));
	for (i = 0; i < probe_count(); i++)
		c->probe_mode[i] = (uint8_t)probe_get(i)->ops->default_mode;
	c->profile = WIRE_EXTENDED;
	c->on_failure = CFG_DEGRADE;
	c->addr.kind = XPORT_VSOCK;
	c->addr.cid = AGENT_DEFAULT_CID;
	c->addr.port = WIRE_PORT;
	c->ring_bytes = AGENT_RING_DEFAULT;
	c->heartbeat_ms = AGENT_HEARTBEAT_MS;
	c->poll_ms = PROC_POLL_MS;
	c->proc_rcvbuf = PROC_RCVBUF;
	c->coalesce_ms = COALESCE_DEFAULT_MS;
	c->net_ringbuf = NET_RINGBUF_BYTES;
}

/* s[0..n) equals the word w. */
static int is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

#define ERR(...) (fmt_str(err, errcap, __VA_ARGS__), -1)

/* --connect vsock:CID:PORT | unix:PATH */
static int set_connect(struct config *c, const char *v, size_t n,
		       char *err, size_t errcap)
{
	if (xport_parse_addr(&c->addr, v, n) < 0)
		return ERR("'%.*s' is not vsock:CID:PORT or unix:PATH",
			   (int)n, v);
	return 0;
}

/* One of two words: a gives *out = va, b gives *out = vb. */
static int set_either(int *out, const char *v, size_t n, const char *a,
		      int va, const char *b, int vb, char *err, size_t errcap)
{
	if (is(v, n, a))
		*out = va;
	else if (is(v, n, b))
		*out = vb;
	else
		return ERR("'%.*s' is not %s or %s", (int)n, v, a, b);
	return 0;
}

/* --wire strict | extended */
static int set_wire(struct config *c, const char *v, size_t n, char *err,
		    size_t errcap)
{
	return set_either(&c->profile, v, n, "strict", WIRE_STRICT,
			  "extended", WIRE_EXTENDED, err, errcap);
}

/* --on-failure fail-cell | degrade */
static int set_onfail(struct config *c, const char *v, size_t n, char *err,
		      size_t errcap)
{
	return set_either(&c->on_failure, v, n, "fail-cell", CFG_FAIL_CELL,
			  "degrade", CFG_DEGRADE, err, errcap);
}

/* N, Nk or Nm (KiB, MiB) within the ring's limits. */
/* A size N, Nk or Nm within [lo, hi] bytes. */
static int parse_size(const char *v, size_t n, uint64_t lo, uint64_t hi,
		      size_t *out)
{
	uint64_t x, mul = 1;
	size_t m = n;

	if (m && (v[m - 1] == 'k' || v[m - 1] == 'K'))
		mul = 1024, m--;
	else if (m && (v[m - 1] == 'm' || v[m - 1] == 'M'))
		mul = 1024 * 1024, m--;
	if (scan_dec_all(v, m, UINT64_MAX, &x) < 0 || x > hi || x * mul < lo || x * mul > hi)
		return -1;
	*out = (size_t)(x * mul);
	return 0;
}

static int set_ring(struct config *c, const char *v, size_t n, char *err,
		    size_t errcap)
{
	if (parse_size(v, n, AGENT_RING_MIN, AGENT_RING_MAX, &c->ring_bytes))
		return ERR("'%.*s' is not a size from %uk to %um (N, Nk, Nm)",
			   (int)n, v, AGENT_RING_MIN >> 10, AGENT_RING_MAX >> 20);
	return 0;
}

/* A u32 setting within [lo, hi]. */
static int set_range(uint32_t *out, const char *v, size_t n, uint32_t lo,
		     uint32_t hi, char *err, size_t errcap)
{
	uint64_t x;

	if (scan_dec_all(v, n, hi, &x) < 0 || x < lo)
		return ERR("'%.*s' is not a number from %u to %u", (int)n, v,
			   lo, hi);
	*out = (uint32_t)x;
	return 0;
}

/* --heartbeat-ms N within its limits. */
static int set_heartbeat(struct config *c, const char *v, size_t n,
			 char *err, size_t errcap)
{
	return set_range(&c->heartbeat_ms, v, n, AGENT_HEARTBEAT_MIN_MS,
			 AGENT_HEARTBEAT_MAX_MS, err, errcap);
}

/* "a, b, c" into out: the words w[0..n) (n < 0: up to a NULL). */
static const char *word_list(char *out, size_t cap, const char *const *w,
			     int n)
{
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; (n < 0 ? w[i] != NULL : i < n) && used < cap; i++)
		used += (size_t)fmt_str(out + used, cap - used, "%s%s",
					 i ? ", " : "", w[i]);
	return out;
}

/* The probes --probe can name, as a list for a message. */
static const char *probe_names(char *out, size_t cap)
{
	const char *names[AGENT_PROBES_MAX];
	int i, n = 0;

	for (i = 0; i < probe_count(); i++)
		if (probe_get(i)->ops->modes[0])
			names[n++] = probe_get(i)->ops->name;
	return word_list(out, cap, names, n);
}

/* NAME=MODE: a probe of the registry and one of its mode words. */
static int set_probe(struct config *c, const char *v, size_t n, char *err,
		     size_t errcap)
{
	const char *eq = memchr(v, '=', n);
	const struct probe_ops *ops;
	char list[128];
	size_t k;
	int i, m;

	if (!eq)
		return ERR("'%.*s' is not NAME=MODE", (int)n, v);
	k = (size_t)(eq - v);
	i = probe_find(v, k);
	if (i < 0)
		return ERR("no probe '%.*s' (%s)", (int)k, v,
			   probe_names(list, sizeof(list)));
	ops = probe_get(i)->ops;
	for (m = 0; m < PROBE_MODES_MAX && ops->modes[m]; m++)
		if (is(eq + 1, n - k - 1, ops->modes[m])) {
			c->probe_mode[i] = (uint8_t)m;
			return 0;
		}
	return ERR("'%.*s' is not a mode of %s (%s)", (int)(n - k - 1), eq + 1,
		   ops->name, word_list(list, sizeof(list), ops->modes, -1));
}

static int set_poll(struct config *c, const char *v, size_t n, char *err,
		    size_t errcap)
{
	return set_range(&c->poll_ms, v, n, PROC_POLL_MIN_MS,
			 PROC_POLL_MAX_MS, err, errcap);
}

/* --exe-hash none | sha256 */
static int set_exehash(struct config *c, const char *v, size_t n, char *err,
		       size_t errcap)
{
	return set_either(&c->exe_hash, v, n, "none", 0, "sha256", 1, err,
			  errcap);
}

static int set_rcvbuf(struct config *c, const char *v, size_t n, char *err,
		      size_t errcap)
{
	size_t bytes;

	if (parse_size(v, n, PROC_RCVBUF_MIN, PROC_RCVBUF_MAX, &bytes))
		return ERR("'%.*s' is not a size from %uk to %um (N, Nk, Nm)",
			   (int)n, v, PROC_RCVBUF_MIN >> 10, PROC_RCVBUF_MAX >> 20);
	c->proc_rcvbuf = (uint32_t)bytes;
	return 0;
}

/* --coalesce-ms N: the longest coalescing window; 0 turns it off. */
static int set_coalesce(struct config *c, const char *v, size_t n,
			char *err, size_t errcap)
{
	return set_range(&c->coalesce_ms, v, n, 0, COALESCE_MAX_MS, err,
			 errcap);
}

/* --net-ringbuf N: the BPF ring buffer, a power of two (the kernel's
 * rule) from a page up. */
static int set_net_ringbuf(struct config *c, const char *v, size_t n,
			   char *err, size_t errcap)
{
	size_t bytes;

	if (parse_size(v, n, NET_RINGBUF_MIN, NET_RINGBUF_MAX, &bytes) ||
	    (bytes & (bytes - 1)))
		return ERR("'%.*s' is not a power of two from %uk to %um "
			   "(N, Nk, Nm)", (int)n, v, NET_RINGBUF_MIN >> 10,
			   NET_RINGBUF_MAX >> 20);
	c->net_ringbuf = (uint32_t)bytes;
	return 0;
}

/* inotify event names the fs probe may watch for. */
static const struct { const char *name; uint32_t bit; } mask_words[] = {
	{ "access", IN_ACCESS }, { "modify", IN_MODIFY },
	{ "attrib", IN_ATTRIB }, { "close_write", IN_CLOSE_WRITE },
	{ "close_nowrite", IN_CLOSE_NOWRITE }, { "open", IN_OPEN },
	{ "moved_from", IN_MOVED_FROM }, { "moved_to", IN_MOVED_TO },
	{ "create", IN_CREATE }, { "delete", IN_DELETE },
	{ "delete_self", IN_DELETE_SELF }, { "move_self", IN_MOVE_SELF },
};

/* A comma-separated list of mask_words into *mask. */
static int parse_mask(const char *v, size_t n, uint32_t *mask, char *err,
		      size_t errcap)
{
	size_t i = 0, j, w;
	uint32_t m = 0;

	while (i <= n) {
		for (w = 0; i + w < n && v[i + w] != ','; w++)
			;
		for (j = 0; j < nitems(mask_words); j++)
			if (is(v + i, w, mask_words[j].name))
				break;
		if (j == nitems(mask_words))
			return ERR("'%.*s' is not a file event (create, "
				   "delete, modify, attrib, ...)", (int)w, v + i);
		m |= mask_words[j].bit;
		i += w + 1;
	}
	*mask = m;
	return 0;
}

/* --watch-mask LIST: the events of every watch (else the profile's
 * default); --watch-mask PATH=LIST: more events for one --watch PATH
 * declared before it (PATH ends at the last '='). */
static int set_mask(struct config *c, const char *v, size_t n, char *err,
		    size_t errcap)
{
	const char *eq = n && v[0] == '/' ? memrchr(v, '=', n) : NULL;
	size_t plen = eq ? (size_t)(eq - v) : 0;
	uint32_t mask;
	unsigned i;

	if (!eq)
		return parse_mask(v, n, &c->watch_mask, err, errcap);
	if (parse_mask(eq + 1, n - plen - 1, &mask, err, errcap) < 0)
		return -1;
	for (i = 0; i < c->nwatch; i++)
		if (is(v, plen, c->watch[i])) {
			c->watch_add[i] |= mask;
			return 0;
		}
	return ERR("'%.*s' is not a --watch path declared before it",
		   (int)plen, v);
}

/* One more absolute path; the first from a new layer replaces the list. */
static int add_watch(struct config *c, int layer, const char *v, size_t n,
		     char *err, size_t errcap)
{
	if (c->watch_layer != layer) {
		c->nwatch = 0;
		c->watch_layer = (uint8_t)layer;
	}
	if (n == 0 || v[0] != '/' || memchr(v, '\0', n))
		return ERR("'%.*s' is not an absolute path", (int)n, v);
	if (n >= FS_PATH_MAX)
		return ERR("a path longer than %u bytes", FS_PATH_MAX - 1);
	if (c->nwatch == FS_WATCH_MAX)
		return ERR("more than %u paths", FS_WATCH_MAX);
	memcpy(c->watch[c->nwatch], v, n);
	c->watch_add[c->nwatch] = 0;
	c->watch[c->nwatch++][n] = '\0';
	return 0;
}

/* The cgroup2 directory the net probe's BPF programs attach to. */
static int set_cgroup(struct config *c, const char *v, size_t n, char *err,
		      size_t errcap)
{
	if (n == 0 || v[0] != '/' || memchr(v, '\0', n))
		return ERR("'%.*s' is not an absolute path", (int)n, v);
	if (n >= sizeof(c->net_cgroup))
		return ERR("a path longer than %zu bytes",
			   sizeof(c->net_cgroup) - 1);
	memcpy(c->net_cgroup, v, n);
	c->net_cgroup[n] = '\0';
	return 0;
}

typedef int (*setter)(struct config *, const char *, size_t, char *, size_t);

static const struct {
	const char *name;
	setter fn;
} settings[] = {
	{ "connect", set_connect },
	{ "wire", set_wire },
	{ "on-failure", set_onfail },
	{ "ring-bytes", set_ring },
	{ "heartbeat-ms", set_heartbeat },
	{ "probe", set_probe },
	{ "poll-ms", set_poll },
	{ "proc-rcvbuf", set_rcvbuf },
	{ "exe-hash", set_exehash },
	{ "coalesce-ms", set_coalesce },
	{ "net-ringbuf", set_net_ringbuf },
	{ "watch-mask", set_mask },
	{ "net-cgroup", set_cgroup },
	{ "watch", NULL },		/* add_watch: needs the layer */
};

/* Names compare with '-' and '_' as one character, as the kernel does. */
static int name_eq(const char *s, size_t n, const char *want)
{
	size_t i;

	if (strlen(want) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != want[i] && !(s[i] == '_' && want[i] == '-'))
			return 0;
	return 1;
}

int config_set(struct config *c, int layer, const char *name, size_t nlen,
	       const char *val, size_t vlen, char *err, size_t errcap)
{
	size_t i;

	for (i = 0; i < nitems(settings); i++) {
		if (!name_eq(name, nlen, settings[i].name))
			continue;
		if (!settings[i].fn)
			return add_watch(c, layer, val, vlen, err, errcap);
		return settings[i].fn(c, val, vlen, err, errcap);
	}
	return ERR("unknown setting '%.*s'", (int)nlen, name);
}

/* Word separators of the kernel command line. */
static int blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Apply one word of the kernel command line if it is ours; open_quote:
 * its last double quote is never closed (the word runs to the end). */
static int cmdline_word(struct config *c, const char *w, size_t n,
			int open_quote, char *err, size_t errcap)
{
	size_t plen = strlen(CFG_CMDLINE_PREFIX), k;
	const char *eq, *v;
	char why[160];

	if (n < plen || memcmp(w, CFG_CMDLINE_PREFIX, plen) != 0)
		return 0;
	while (open_quote && blank(w[n - 1]))
		n--;
	if (open_quote)
		return ERR("%.*s: unterminated quote", (int)n, w);
	eq = memchr(w + plen, '=', n - plen);
	if (!eq)
		return ERR("%.*s: no =VALUE", (int)n, w);
	k = (size_t)(eq - w - (ptrdiff_t)plen);
	v = eq + 1;
	n -= plen + k + 1;
	if (n && v[0] == '"') {
		v++, n--;
		if (n && v[n - 1] == '"')
			n--;
	}
	if (config_set(c, CFG_CMDLINE, w + plen, k, v, n, why,
		       sizeof(why)) < 0)
		return ERR("%.*s%.*s: %s", (int)plen, w, (int)k, w + plen,
			   why);
	return 0;
}

int config_cmdline(struct config *c, const char *s, size_t n, char *err,
		   size_t errcap)
{
	size_t i = 0, start;
	int inq;

	while (i < n) {
		while (i < n && blank(s[i]))
			i++;
		start = i;
		for (inq = 0; i < n && (inq || !blank(s[i])); i++)
			if (s[i] == '"')
				inq = !inq;
		if (i > start && cmdline_word(c, s + start, i - start, inq,
					      err, errcap) < 0)
			return -1;
	}
	return 0;
}

void config_usage(int fd, int full)
{
	fmt_fd(fd,
"usage: cellos-telemetry [-fhVv] [--help] [--version]\n"
"\t[--coalesce-ms N] [--connect vsock:CID:PORT | unix:PATH]\n"
"\t[--exe-hash none | sha256] [--heartbeat-ms N] [--net-cgroup PATH]\n"
"\t[--net-ringbuf N] [--on-failure fail-cell | degrade] [--poll-ms N]\n"
"\t[--probe NAME=MODE] [--proc-rcvbuf N] [--ring-bytes N] [--watch PATH]\n"
"\t[--watch-mask [PATH=]LIST] [--wire strict | extended]\n");
	if (!full)
		return;
	fmt_fd(fd,
"  -f                  stay in the foreground (no fork)\n"
"  -h, --help          print this help and exit\n"
"  -V, --version       print the version and exit\n"
"  -v                  log more (repeat for debug)\n"
"  --coalesce-ms N     under a burst, read the probes' kernel buffers every\n"
"                      N ms instead of being woken per message, 0..%u (%u;\n"
"                      0: woken per message)\n"
"  --connect ADDR      the host: vsock:CID:PORT or unix:PATH (vsock:2:%u)\n"
"  --exe-hash ALG      exec events carry the SHA-256 of the file run and of\n"
"                      its interpreter: sha256 or none (none; needs fanotify)\n"
"  --heartbeat-ms N    heartbeat interval, %u..%u ms (%u)\n"
"  --net-cgroup PATH   cgroup2 directory the net probe's BPF hooks attach to\n"
"                      (the cgroup2 root, mounted if need be)\n"
"  --net-ringbuf N     the net probe's BPF ring buffer, a power of two,\n"
"                      %uk..%um (%uk)\n"
"  --on-failure MODE   if a probe cannot arm: fail-cell or degrade (degrade)\n"
"  --poll-ms N         /proc poll cadence of process=poll, %u..%u ms (%u)\n"
"  --probe NAME=MODE   process=on|off|poll, fs=on|off|inotify,\n"
"                      net=on|off|diag|proc, capability=on|off (all on but\n"
"                      capability)\n"
"  --proc-rcvbuf N     proc connector socket buffer, %uk..%um (%um)\n"
"  --ring-bytes N      frame ring, N, Nk or Nm bytes, %uk..%um (%uk)\n"
"  --watch PATH        absolute path for the fs probe (repeatable, %u max);\n"
"                      DIR/** the tree under DIR (fanotify)\n"
"  --watch-mask LIST   file events, comma-separated (modify,attrib,close_write,\n"
"                      moved_from,moved_to,create,delete; strict: create,\n"
"                      delete,modify,attrib); also access, open, close_nowrite,\n"
"                      delete_self, move_self\n"
"  --watch-mask PATH=LIST  more events for one --watch PATH declared before\n"
"                      it, e.g. /run/secrets/db=open,access\n"
"  --wire PROFILE      strict (v1.0, CellOS 0.5) or extended (v1.1; default)\n"
"Settings also come from cellos.telemetry.NAME=VALUE words in /proc/cmdline;\n"
"flags win.\n",
		COALESCE_MAX_MS, COALESCE_DEFAULT_MS,
		WIRE_PORT, AGENT_HEARTBEAT_MIN_MS, AGENT_HEARTBEAT_MAX_MS,
		AGENT_HEARTBEAT_MS, NET_RINGBUF_MIN >> 10, NET_RINGBUF_MAX >> 20,
		NET_RINGBUF_BYTES >> 10, PROC_POLL_MIN_MS, PROC_POLL_MAX_MS,
		PROC_POLL_MS, PROC_RCVBUF_MIN >> 10, PROC_RCVBUF_MAX >> 20,
		PROC_RCVBUF >> 20, AGENT_RING_MIN >> 10, AGENT_RING_MAX >> 20,
		AGENT_RING_DEFAULT >> 10, FS_WATCH_MAX);
	testhook_usage(fd);
}

/* Read the kernel command line (or the file the environment names) and
 * apply our words. */
static int load_cmdline(struct config *c)
{
	static char buf[AGENT_CMDLINE_MAX + 1];
	const char *path = getenv(CFG_CMDLINE_ENV);
	char err[320];
	ssize_t n = sys_read_file(path ? path : "/proc/cmdline", buf,
				  sizeof(buf));

	if (n < 0 && !path) {
		log_warn("/proc/cmdline (no cellos.telemetry.* settings)");
		return 0;
	}
	if (n < 0) {
		log_warn("%s", path);
		return -1;
	}
	if ((size_t)n > AGENT_CMDLINE_MAX) {
		log_warnx("kernel command line longer than %u bytes",
			  AGENT_CMDLINE_MAX);
		return -1;
	}
	if (config_cmdline(c, buf, (size_t)n, err, sizeof(err)) < 0) {
		log_warnx("kernel command line: %s", err);
		return -1;
	}
	return 0;
}

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "coalesce-ms", required_argument, NULL, 'L' },
	{ "connect", required_argument, NULL, 'L' },
	{ "exe-hash", required_argument, NULL, 'L' },
	{ "heartbeat-ms", required_argument, NULL, 'L' },
	{ "net-cgroup", required_argument, NULL, 'L' },
	{ "net-ringbuf", required_argument, NULL, 'L' },
	{ "on-failure", required_argument, NULL, 'L' },
	{ "poll-ms", required_argument, NULL, 'L' },
	{ "probe", required_argument, NULL, 'L' },
	{ "proc-rcvbuf", required_argument, NULL, 'L' },
	{ "ring-bytes", required_argument, NULL, 'L' },
	{ "watch", required_argument, NULL, 'L' },
	{ "watch-mask", required_argument, NULL, 'L' },
	{ "wire", required_argument, NULL, 'L' },
	TESTHOOK_OPTIONS
	{ NULL, 0, NULL, 0 }
};

struct flagset {
	int n;
	const char *name[AGENT_FLAGS_MAX];
	const char *val[AGENT_FLAGS_MAX];
};

/* The flags of argv: -f/-v set at once, -h/-V answer, settings are kept
 * in fs to apply after the cmdline.  Returns 0, 1 (answered) or -1. */
static int scan_flags(struct config *c, int argc, char **argv,
		      struct flagset *fs)
{
	struct flags fl;
	int ch, idx;

	flags_init(&fl);
	while ((ch = flags_next(&fl, argc, argv, "fhVv", long_opts, &idx)) != -1) {
		switch (ch) {
		case 'f':
			c->foreground = 1;
			break;
		case 'v':
			c->verbose++;
			break;
		case 'V':
			fmt_fd(STDOUT_FILENO, "cellos-telemetry %s\n", VERSION);
			return 1;
		case 'h':
			config_usage(STDOUT_FILENO, 1);
			return 1;
		case 'L':
			if (fs->n == AGENT_FLAGS_MAX) {
				log_warnx("more than %u settings", AGENT_FLAGS_MAX);
				return -1;
			}
			fs->name[fs->n] = long_opts[idx].name;
			fs->val[fs->n++] = fl.arg;
			break;
		case 'T':	/* the test build's hidden flags */
			if (testhook_option(long_opts[idx].name, fl.arg) < 0)
				return -1;
			break;
		default:
			config_usage(STDERR_FILENO, 0);
			return -1;
		}
	}
	if (fl.ind < argc) {
		log_warnx("unexpected argument '%s'", argv[fl.ind]);
		config_usage(STDERR_FILENO, 0);
		return -1;
	}
	return 0;
}

int config_load(struct config *c, int argc, char **argv)
{
	static struct flagset fs;
	char err[320];
	int i, rc;

	config_defaults(c);
	if ((rc = scan_flags(c, argc, argv, &fs)) != 0)
		return rc;
	if (load_cmdline(c) < 0)
		return -1;
	for (i = 0; i < fs.n; i++) {
		if (config_set(c, CFG_FLAGS, fs.name[i], strlen(fs.name[i]),
			       fs.val[i], strlen(fs.val[i]), err,
			       sizeof(err)) < 0) {
			log_warnx("--%s: %s", fs.name[i], err);
			return -1;
		}
	}
	return 0;
}
