/*
 * test_opts.c: the command line (src/host/opts.c): what is accepted, what
 * is refused and why, defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "host/opts.h"
#include "host/sign.h"

static struct host_opts o;

/* Parse a NULL-terminated list of words. */
static int parse(const char *w0, ...)
{
	char *argv[32];
	const char *why;
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"cellos-telemetry-host";
	argv[argc++] = (char *)w0;
	va_start(ap, w0);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return opts_parse(&o, argc, argv, &why);
}

static void good(void **state)
{
	(void)state;
	assert_int_equal(parse("--cell", "a:/tmp/a", "--cell", "b.2_x-y:/tmp/b",
			       "--run-id", "run:1", "--ack", "-vv", "--keepalive-ms",
			       "250", "--ready-fd", "5", NULL), 0);
	assert_int_equal(o.ncells, 2);
	assert_string_equal(o.cells[1].id, "b.2_x-y");
	assert_string_equal(o.cells[1].where, "/tmp/b");
	assert_string_equal(o.run_id, "run:1");
	assert_true(o.ack);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.keepalive_ms, 250);
	assert_int_equal(o.ready_fd, 5);
	assert_int_equal(parse("--cell", "a:/x", NULL), 0);
	assert_int_equal(o.keepalive_ms, 10000);
	assert_int_equal(o.ready_fd, -1);
	assert_int_equal(parse("--cell", "a:/x", "--sign", "ed25519",
			       "--key-file", "k", NULL), 0);
	assert_int_equal(o.sign, SIGN_ED25519);
	assert_int_equal(parse("--verify", "--key-file", "k", "f1", "f2", NULL), 0);
	assert_int_equal(o.nfiles, 2);
	assert_int_equal(parse("--listen", "vsock:9001", "--cell", "a:3", NULL), 0);
	assert_int_equal(o.cells[0].cid, 3);
	/* CID 1: the loopback transport's peer (the e2e guest) */
	assert_int_equal(parse("--listen", "vsock:9001", "--cell", "a:1", NULL), 0);
	assert_int_equal(o.cells[0].cid, 1);
	assert_int_equal(parse("-h", NULL), 0);
}

/* --fsync, --label, --host-name: what they keep, what they refuse. */
static void labels(void **state)
{
	char big[HOST_LABEL_VALUE_MAX + 8], many[HOST_LABELS_MAX + 1][16];
	char *argv[2 * HOST_LABELS_MAX + 8];
	const char *why;
	int argc = 0, i;

	(void)state;
	assert_int_equal(parse("--cell", "a:/x", "--fsync", "--label",
			       "tenant=acme", "--label", "env=", "--label",
			       "deployment.environment=prod=1", "--host-name",
			       "host-7.example", NULL), 0);
	assert_true(o.fsync);
	assert_int_equal(o.nlabels, 3);
	assert_string_equal(o.labels[0], "tenant=acme");
	assert_string_equal(o.labels[1], "env=");	/* an empty value */
	assert_string_equal(o.labels[2], "deployment.environment=prod=1");
	assert_string_equal(o.host_name, "host-7.example");
	assert_int_equal(parse("--cell", "a:/x", "--label", "k=caf\xc3\xa9", NULL), 0);
	assert_int_equal(parse("--cell", "a:/x", "--label", "noequals", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--label", "=v", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--label", "a b=v", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--label", "k=\xff", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--label", "k=1", "--label",
			       "k=2", NULL), -1);		/* a key twice */
	assert_int_equal(parse("--cell", "a:/x", "--label", "k=1", "--label",
			       "kk=2", NULL), 0);		/* a prefix is no twin */
	memset(big, 'v', sizeof(big));
	memcpy(big, "k=", 2);
	big[2 + HOST_LABEL_VALUE_MAX] = 0;
	assert_int_equal(parse("--cell", "a:/x", "--label", big, NULL), 0);
	big[2 + HOST_LABEL_VALUE_MAX] = 'v';
	big[3 + HOST_LABEL_VALUE_MAX] = 0;
	assert_int_equal(parse("--cell", "a:/x", "--label", big, NULL), -1);
	argv[argc++] = (char *)"cellos-telemetry-host";
	argv[argc++] = (char *)"--cell";
	argv[argc++] = (char *)"a:/x";
	for (i = 0; i <= HOST_LABELS_MAX; i++) {
		snprintf(many[i], sizeof(many[i]), "k%d=v", i);
		argv[argc++] = (char *)"--label";
		argv[argc++] = many[i];
	}
	argv[argc] = NULL;
	assert_int_equal(opts_parse(&o, argc, argv, &why), -1);
	assert_string_equal(why, "too many --label");
	assert_int_equal(opts_parse(&o, argc - 2, argv, &why), 0);
	assert_int_equal(o.nlabels, HOST_LABELS_MAX);
	assert_int_equal(parse("--cell", "a:/x", "--host-name", "a/b", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--host-name", "", NULL), -1);
	assert_int_equal(parse("--verify", "--key-file", "k", "--fsync", NULL), -1);
	assert_int_equal(parse("--verify", "--key-file", "k", "--label", "a=b",
			       NULL), -1);
}

static void bad(void **state)
{
	(void)state;
	assert_int_equal(parse("--run-id", "r", NULL), -1);	/* no cell */
	assert_int_equal(parse("--cell", "a", NULL), -1);
	assert_int_equal(parse("--cell", ":/x", NULL), -1);
	assert_int_equal(parse("--cell", "a/b:/x", NULL), -1);
	assert_int_equal(parse("--cell", "a:", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--cell", "a:/y", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--run-id", "a b", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--keepalive-ms", "0", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--keepalive-ms", "5x", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--sign", "rsa", "--key-file",
			       "k", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--sign", "hmac", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--key-file", "k", NULL), -1);
	assert_int_equal(parse("--verify", NULL), -1);
	assert_int_equal(parse("--verify", "--key-file", "k", "--cell", "a:/x",
			       NULL), -1);
	assert_int_equal(parse("--listen", "vsock:x", "--cell", "a:3", NULL), -1);
	assert_int_equal(parse("--listen", "tcp:1", "--cell", "a:3", NULL), -1);
	assert_int_equal(parse("--listen", "vsock:9001", "--cell", "a:/x", NULL), -1);
	assert_int_equal(parse("--listen", "vsock:9001", "--cell", "a:0", NULL), -1);
	assert_int_equal(parse("--listen", "vsock:9001", "--cell", "a:2", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "--ready-fd", "1", NULL), -1);
	assert_int_equal(parse("--cell", "a:/x", "extra", NULL), -1);
	assert_int_equal(parse("--bogus", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good),
		cmocka_unit_test(bad),
		cmocka_unit_test(labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
