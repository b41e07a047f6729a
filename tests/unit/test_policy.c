/*
 * test_policy.c: the policy parser and matcher (src/host/policy.c,
 * pmatch.c): a good file's rules, every error with its file:line:column,
 * the bounds (a 1 MiB line, too many patterns), and what each kind of
 * pattern matches, first match winning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "host/policy.h"

static struct policy p;
static char err[512];

static int parse(const char *text)
{
	return policy_parse(&p, "t.rules", (const uint8_t *)text, strlen(text),
			    err, sizeof(err));
}

/* text must fail with exactly want. */
static void bad(const char *text, const char *want)
{
	assert_int_equal(parse(text), -1);
	assert_string_equal(err, want);
	assert_int_equal(p.nrules, 0);
	assert_null(p.rules);
}

static int m(int kind, const char *v)
{
	return policy_match(&p, kind, v, strlen(v));
}

static void good_file(void **state)
{
	(void)state;
	assert_int_equal(parse(
		"# the example of the issue\n"
		"connect allow 10.1.2.0/24:443     # this one...\n"
		"connect deny 0.0.0.0/0:*          # ...and no other IPv4\n"
		"\n"
		"exec allow /usr/bin/*  /bin/*\r\n"
		"exec deny * severity=critical\n"
		"\twrite deny /etc/**\n"
		"read deny /run/secrets/**"), 0);
	assert_int_equal(p.nrules, 6);
	assert_string_equal(p.file, "t.rules");
	assert_int_equal(p.rules[0].line, 2);
	assert_int_equal(p.rules[0].kind, POL_CONNECT);
	assert_false(p.rules[0].deny);
	assert_int_equal(p.rules[0].text_len, strlen("connect allow 10.1.2.0/24:443"));
	assert_memory_equal(p.rules[0].text, "connect allow 10.1.2.0/24:443",
			    p.rules[0].text_len);
	assert_int_equal(p.rules[2].npats, 2);
	assert_int_equal(p.rules[2].line, 5);
	assert_int_equal(p.rules[3].sev, POL_SEV_CRITICAL);
	assert_int_equal(p.rules[1].sev, POL_SEV_ERROR);
	assert_memory_equal(p.rules[4].text, "write deny /etc/**", 18);
	assert_int_equal(p.rules[4].text_len, 18);
	assert_int_equal(p.nbykind[POL_EXEC], 2);
	assert_int_equal(p.bykind[POL_EXEC][1], 3);
	/* first match wins, no match allowed */
	assert_int_equal(m(POL_CONNECT, "10.1.2.7:443"), 0);
	assert_int_equal(m(POL_CONNECT, "10.1.2.7:80"), 1);
	assert_int_equal(m(POL_CONNECT, "10.1.3.7:443"), 1);
	assert_int_equal(m(POL_CONNECT, "[::1]:443"), -1);
	assert_int_equal(m(POL_CONNECT, "[::ffff:10.1.2.9]:443"), 0);
	assert_int_equal(m(POL_CONNECT, "[::ffff:8.8.8.8]:53"), 1);
	assert_int_equal(m(POL_EXEC, "/usr/bin/python3"), 2);
	assert_int_equal(m(POL_EXEC, "/bin/sh"), 2);
	assert_int_equal(m(POL_EXEC, "/usr/bin/x/y"), 3);
	assert_int_equal(m(POL_EXEC, "sh"), 3);
	assert_int_equal(m(POL_WRITE, "/etc/passwd"), 4);
	assert_int_equal(m(POL_WRITE, "/etc/ssh/sshd_config"), 4);
	assert_int_equal(m(POL_WRITE, "/etc"), -1);
	assert_int_equal(m(POL_WRITE, "/etcx/a"), -1);
	assert_int_equal(m(POL_READ, "/etc/passwd"), -1);
	assert_int_equal(m(POL_READ, "/run/secrets/db/key"), 5);
	policy_free(&p);
	assert_int_equal(parse("# nothing\n\n   \n"), 0);
	assert_int_equal(p.nrules, 0);
	assert_int_equal(m(POL_EXEC, "/x"), -1);
	policy_free(&p);
}

static void errors(void **state)
{
	(void)state;
	bad("exec allow /bin/*\nconect deny *\n",
	    "t.rules:2:1: unknown rule kind 'conect' (connect, exec, write, read)");
	bad("  exec permit /x", "t.rules:1:8: 'permit' is not allow or deny");
	bad("exec", "t.rules:1:5: allow or deny after 'exec'");
	bad("exec deny   # none", "t.rules:1:19: a exec rule needs at least one "
	    "pattern");
	bad("connect deny 10.0.0.0/33:*",
	    "t.rules:1:23: prefix length 33 above 32");
	bad("connect deny 10.0.0.300/8:*",
	    "t.rules:1:14: bad IPv4 address '10.0.0.300'");
	bad("connect deny 10.0.0.1/8:*",
	    "t.rules:1:14: '10.0.0.1/8' has bits set past its /8");
	bad("connect deny 10.0.0.0/8:65536",
	    "t.rules:1:25: bad port '65536' (0-65535, N-M or *)");
	bad("connect deny 10.0.0.0/8:80-22",
	    "t.rules:1:25: bad port '80-22' (0-65535, N-M or *)");
	bad("connect deny 10.0.0.0/8",
	    "t.rules:1:24: a port after ':' (ADDR/LEN:PORT, PORT a number, a "
	    "range N-M or *)");
	bad("connect deny nowhere",
	    "t.rules:1:21: a port after ':' (ADDR/LEN:PORT, PORT a number, a "
	    "range N-M or *)");
	bad("connect deny [::1:80",
	    "t.rules:1:14: '[' without ']' (IPv6 is [ADDR/LEN]:PORT)");
	bad("connect deny [fe80::/129]:1",
	    "t.rules:1:22: prefix length 129 above 128");
	bad("connect deny [fe80::1/10]:1",
	    "t.rules:1:15: 'fe80::1/10' has bits set past its /10");
	bad("write deny /etc/[ab", "t.rules:1:17: unterminated '[' in '/etc/[ab'");
	bad("write deny /etc/\\", "t.rules:1:17: '\\' at the end of a pattern");
	bad("exec allow /x severity=high",
	    "t.rules:1:15: severity on an allow rule (only a deny rule makes a "
	    "violation)");
	bad("exec deny /x severity=high",
	    "t.rules:1:23: unknown severity 'high' (notice, warning, error, "
	    "critical)");
	bad("exec deny /x severity=notice /y",
	    "t.rules:1:30: nothing may follow severity=");
	assert_int_equal(policy_parse(&p, "t.rules", (const uint8_t *)"exec deny "
				      "/a\0b", 14, err, sizeof(err)), -1);
	assert_string_equal(err, "t.rules:1:13: a NUL byte (not a text file?)");
}

static void bounds(void **state)
{
	size_t n = 1024 * 1024, k;
	char *big = malloc(n + 64);

	(void)state;
	memcpy(big, "exec deny /a\nwrite deny /", 25);
	memset(big + 25, 'x', n);
	big[25 + n] = 0;
	assert_int_equal(parse(big), -1);
	assert_string_equal(err, "t.rules:2:4097: line longer than 4096 bytes");
	assert_null(p.rules);
	/* a file above 1 MiB of short lines: where it passes the bound */
	for (k = 0; k < n + 16; k += 16)
		memcpy(big + k, "# a comment  ..\n", 16);
	assert_int_equal(policy_parse(&p, "t.rules", (const uint8_t *)big,
				      n + 16, err, sizeof(err)), -1);
	assert_string_equal(err, "t.rules:65537:1: the file goes on past "
			    "1048576 bytes");
	/* 64 patterns fit a rule, 65 do not */
	strcpy(big, "exec deny");
	for (k = 0; k < POLICY_PATS_MAX; k++)
		strcat(big, " /p");
	assert_int_equal(parse(big), 0);
	assert_int_equal(p.rules[0].npats, POLICY_PATS_MAX);
	policy_free(&p);
	strcat(big, " /q");
	assert_int_equal(parse(big), -1);
	assert_string_equal(err, "t.rules:1:203: more than 64 patterns in a rule");
	free(big);
}

static int g(const char *pat, const char *s)
{
	char e[256];
	struct policy q;
	char text[512];
	int r;

	snprintf(text, sizeof(text), "write deny %s", pat);
	assert_int_equal(policy_parse(&q, "g", (const uint8_t *)text,
				      strlen(text), e, sizeof(e)), 0);
	r = policy_match(&q, POL_WRITE, s, strlen(s)) == 0;
	policy_free(&q);
	return r;
}

static void globs(void **state)
{
	(void)state;
	assert_true(g("/a/*", "/a/b"));
	assert_true(g("/a/*", "/a/"));
	assert_false(g("/a/*", "/a/b/c"));
	assert_true(g("/a/**", "/a/b/c"));
	assert_true(g("/a/**/c", "/a/c"));		/* none between */
	assert_true(g("/a/**/c", "/a/b/x/c"));
	assert_false(g("/a/**/c", "/a/bc"));
	assert_false(g("/a**c", "/ab"));
	assert_true(g("/a**c", "/a/b/c"));
	assert_true(g("/a/?.txt", "/a/b.txt"));
	assert_false(g("/a/?.txt", "/a//.txt"));
	assert_true(g("/a/[bc]x", "/a/cx"));
	assert_false(g("/a/[!bc]x", "/a/cx"));
	assert_true(g("/a/[a-c]x", "/a/bx"));
	assert_false(g("/a/[a-c]x", "/a/dx"));
	assert_true(g("/a/[]]", "/a/]"));
	assert_true(g("/a/\\*", "/a/*"));
	assert_false(g("/a/\\*", "/a/b"));
	assert_true(g("*", "anything/at/all"));
	assert_true(g("**", "/x"));
	assert_true(g("/usr/*/python*", "/usr/bin/python3.11"));
	assert_false(g("/usr/*/python*", "/usr/local/bin/python3"));
	assert_true(g("/usr/**/python*", "/usr/local/bin/python3"));
	assert_false(g("/etc/*.conf", "/etc/a/b.conf"));
	assert_true(g("*.conf", "x.conf"));
	assert_false(g("*.conf", "/x.conf"));
	assert_false(g("/exact", "/exact/"));
	assert_true(g("/exact", "/exact"));
}

/* A hostile value against a pattern with many stars stays fast: the
 * abort logic keeps it from trying every split. */
static void no_blowup(void **state)
{
	char s[4097];

	(void)state;
	memset(s, 'a', 4096);
	s[4096] = 0;
	assert_false(g("**a**a**a**a**a**a**a**a**b", s));
	assert_false(g("*a*a*a*a*a*a*a*a*a*a*b", s));
	s[4095] = 'b';
	assert_true(g("**a**a**a**a**a**a**a**a**b", s));
}

static void addrs(void **state)
{
	uint8_t fam, a[16];
	uint16_t port;

	(void)state;
	assert_int_equal(pol_addr_parse("1.2.3.4:5", 9, &fam, a, &port), 0);
	assert_int_equal(fam, 4);
	assert_int_equal(port, 5);
	assert_int_equal(a[12], 1);
	assert_int_equal(pol_addr_parse("[::1]:65535", 11, &fam, a, &port), 0);
	assert_int_equal(fam, 6);
	assert_int_equal(port, 65535);
	assert_int_equal(pol_addr_parse("[::1]:65536", 11, &fam, a, &port), -1);
	assert_int_equal(pol_addr_parse("1.2.3.4", 7, &fam, a, &port), -1);
	assert_int_equal(pol_addr_parse("1.2.3.4:", 8, &fam, a, &port), -1);
	assert_int_equal(pol_addr_parse("[::1]", 5, &fam, a, &port), -1);
	assert_int_equal(parse("connect allow *:53\n"
			       "connect allow [fd00::/8]:443-444 127.0.0.1:*\n"
			       "connect deny [::]/0:*\n"
			       "connect deny *\n"), -1);
	assert_string_equal(err, "t.rules:3:18: ':PORT' after ']' (IPv6 is "
			    "[ADDR/LEN]:PORT)");
	assert_int_equal(parse("connect allow *:53\n"
			       "connect allow [fd00::/8]:443-444 127.0.0.1:*\n"
			       "connect deny [::/0]:*\n"
			       "connect deny *\n"), 0);
	assert_int_equal(m(POL_CONNECT, "9.9.9.9:53"), 0);
	assert_int_equal(m(POL_CONNECT, "[fd12::1]:53"), 0);
	assert_int_equal(m(POL_CONNECT, "[fd12::1]:444"), 1);
	assert_int_equal(m(POL_CONNECT, "[fd12::1]:445"), 2);
	assert_int_equal(m(POL_CONNECT, "127.0.0.1:9"), 1);
	assert_int_equal(m(POL_CONNECT, "127.0.0.2:9"), 3);
	assert_int_equal(m(POL_CONNECT, "garbage"), 3);	/* only "*" */
	assert_int_equal(m(POL_CONNECT, "[2001:db8::1]:1"), 2);
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file),
		cmocka_unit_test(errors),
		cmocka_unit_test(bounds),
		cmocka_unit_test(globs),
		cmocka_unit_test(no_blowup),
		cmocka_unit_test(addrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
